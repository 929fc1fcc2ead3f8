import { type ClassMessageEvent, MAX_PER_PAGE } from '@im/contracts';
import { isDuplicateKeyError, KeyedList, type ListPage, queryLimit } from '@im/store';
import type { Collection, Db } from 'mongodb';
import { PushProgress } from './push-progress.js';

/**
 * One student's copy of one push, as stored: `_id` is `<push_id>:<student_uid>` (client ids have
 * no `:`), so the insert itself refuses a second copy and a push's recipients are looked up by
 * `_id`. Only the workers read or write this shape: other services ask over NATS
 * (`DeliverySubjects`), so the document can change without them.
 */
export interface Delivery {
  _id: string;
  push_id: number;
  class_id: number;
  organization_id: number;
  student_uid: string;
  message: string;
  pushed_at: Date;
  delivered_at: Date;
}

/** An entry of a student's inbox: what a notification shows. */
export interface InboxEntry {
  push_id: number;
  class_id: number;
  organization_id: number;
  message: string;
  pushed_at: Date;
  delivered_at: Date;
}

export interface ChunkOutcome {
  inserted: number;
  /** Already written by an earlier attempt, so already done. */
  duplicates: number;
}

export const deliveryId = (pushId: number, studentUid: string): string => `${pushId}:${studentUid}`;

/** Inbox entries per sealed bucket (KeyedList). */
const INBOX_BUCKET = 25;

/** Inbox heads written at once by one chunk: FerretDB has one writer per database anyway. */
const INBOX_WRITERS = 4;

/**
 * The workers' deliveries, kept for the reads they answer, each a look-up by `_id`
 * (docs/ferretdb.md, "Lookups"):
 * - `inbox`: each student's notifications, newest last, a KeyedList keyed by the student;
 * - `deliveries`: one record per (push, student), for a push's recipients and the once-only rule;
 * - `push_progress`: how many of a push's recipients are written (PushProgress).
 * A chunk writes the deliveries first, then the inboxes, then the progress, so a crash at any
 * point leaves what the retried chunk completes: the insert refuses the deliveries already there,
 * and the inbox of each of those students is checked for the push before it is appended to.
 */
export class Deliveries {
  readonly docs: Collection<Delivery>;
  readonly inbox: KeyedList<InboxEntry>;
  readonly progress: PushProgress;
  /** maxTimeMS of the reads that answer requests (queryLimit). */
  readonly #limit: { maxTimeMS: number };

  constructor(db: Db) {
    this.#limit = queryLimit(db);
    this.docs = db.collection<Delivery>('deliveries');
    // Buckets of 25: every delivery rewrites the head, so it stays small; a page of 100 (the
    // most a client may ask) reads the head and at most 5 buckets.
    this.inbox = new KeyedList<InboxEntry>(db, 'inbox', {
      idField: 'push_id',
      // Newest push first on every page, even when two fan-outs finish out of order.
      sortBy: ['pushed_at', 'push_id'],
      bucketSize: INBOX_BUCKET,
      maxPage: MAX_PER_PAGE,
      ...this.#limit,
    });
    this.progress = new PushProgress(db, this.#limit);
  }

  /**
   * Writes the deliveries of `studentUids`, the roster's students from position `start` on, and
   * then records that the roster is written up to the chunk's end.
   */
  async writeChunk(
    event: ClassMessageEvent,
    studentUids: readonly string[],
    start: number,
  ): Promise<ChunkOutcome> {
    const pushedAt = new Date(event.pushed_at);
    const deliveredAt = new Date();
    const uids = [...new Set(studentUids)];
    const entry: InboxEntry = {
      push_id: event.push_id,
      class_id: event.class_id,
      organization_id: event.organization_id,
      message: event.message,
      pushed_at: pushedAt,
      delivered_at: deliveredAt,
    };
    const docs: Delivery[] = uids.map((student_uid) => ({
      _id: deliveryId(event.push_id, student_uid),
      student_uid,
      ...entry,
    }));
    const repeated = new Set<number>();
    try {
      await this.docs.insertMany(docs, { ordered: false });
    } catch (error) {
      // Anything but "already there" (the server down, a bad document) fails the attempt.
      if (!isDuplicateKeyError(error)) throw error;
      for (const { index } of (error as { writeErrors?: { index: number }[] }).writeErrors ?? []) {
        repeated.add(index);
      }
      // No detail of which: treat every student of the chunk as possibly written before.
      if (repeated.size === 0) for (let i = 0; i < uids.length; i++) repeated.add(i);
    }
    // A delivery the insert accepted is new, so is its inbox entry: one write. One it refused was
    // written by an earlier attempt, which may have died before the inbox: check, then write.
    await eachLimited(
      uids.map((uid, i) => [uid, i] as const),
      INBOX_WRITERS,
      ([uid, i]) => (repeated.has(i) ? this.inbox.appendOne(uid, entry) : this.inbox.appendFresh(uid, entry)),
    );
    const outcome: ChunkOutcome = { inserted: docs.length - repeated.size, duplicates: repeated.size };
    await this.progress.advance(event.push_id, start + studentUids.length, event.student_uids.length);
    return outcome;
  }

  /** A page of a student's deliveries, newest first, with how many there are: ≤ 3 look-ups. */
  pageForStudent(studentUid: string, skip: number, limit: number): Promise<ListPage<InboxEntry>> {
    return this.inbox.newestFirst(studentUid, skip, limit);
  }

  /** Deliveries written so far for each push (PushProgress). */
  countForPushes(pushIds: readonly number[]): Promise<Map<number, number>> {
    return this.progress.counts(pushIds);
  }

  /** When each of `studentUids` got its copy of a push; absent: not yet. One look-up each. */
  async deliveredAt(pushId: number, studentUids: readonly string[]): Promise<Map<string, Date>> {
    const at = new Map<string, Date>();
    const uids = [...new Set(studentUids)];
    const rows = await Promise.all(
      uids.map((uid) =>
        this.docs.findOne(
          { _id: deliveryId(pushId, uid) },
          { ...this.#limit, projection: { _id: 0, delivered_at: 1 } },
        ),
      ),
    );
    uids.forEach((uid, i) => {
      const row = rows[i];
      if (row) at.set(uid, row.delivered_at);
    });
    return at;
  }
}

/** Runs `task` for every item, at most `limit` at a time; the first failure fails the whole. */
async function eachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<unknown>) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await task(items[next++] as T);
  });
  await Promise.all(lanes);
}
