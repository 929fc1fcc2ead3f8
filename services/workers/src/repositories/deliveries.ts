import { type ClassMessageEvent, MAX_PER_PAGE, userNotificationOf } from '@im/contracts';
import { isDuplicateKeyError, KeyedList, queryLimit } from '@im/store';
import type { Collection, Db } from 'mongodb';
import { type LiveNotifications, NO_LIVE_NOTIFICATIONS } from '../live-notifications.js';
import { studentDeliveryOf } from '../student-delivery.js';
import { type PushCounts, PushProgress } from './push-progress.js';
import { ReadMarks } from './read-marks.js';

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
  /** Its inbox entry's seq (absent: listed before inboxes numbered entries): its read mark's block. */
  seq?: number;
}

/** An entry of a student's inbox: what a notification shows. */
export interface InboxEntry {
  push_id: number;
  class_id: number;
  organization_id: number;
  message: string;
  pushed_at: Date;
  delivered_at: Date;
  /** Its place in the order the inbox received its entries, from 1 (KeyedList seqField); absent on entries written before. */
  seq?: number;
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

export interface DeliveriesOptions {
  /** Told of each entry a fan-out lists (the live stream); default: nobody. */
  live?: LiveNotifications;
  /** Told of each push whose delivered or read count changed (the change notices); default: nobody. */
  countsChanged?: (pushId: number) => void;
  /** Told of each student whose inbox head was written (the change notices); default: nobody. */
  inboxChanged?: (studentUid: string) => void;
}

/**
 * The workers' deliveries, kept for the reads they answer, each a look-up by `_id`
 * (docs/ferretdb.md, "Lookups"):
 * - `inbox`: each student's notifications, a KeyedList keyed by the student whose entries are
 *   numbered in arrival order (`seq`, the live stream's cursor);
 * - `deliveries`: one record per (push, student), for a push's recipients, the once-only rule and
 *   the seq its read mark is filed under;
 * - `push_progress`: how many of a push's recipients are written, and have read it (PushProgress);
 * - `read_marks`: who read what, and how much each student has read (ReadMarks).
 * A chunk writes the inboxes first (each entry gets its seq there), then the deliveries with their
 * seq, then tells the live subjects, last the progress. A crash at any point leaves what the
 * retried chunk completes: an inbox that lists the push already is not appended to (its entry's
 * seq is looked up instead), the insert refuses the deliveries already there.
 */
export class Deliveries {
  readonly docs: Collection<Delivery>;
  readonly inbox: KeyedList<InboxEntry>;
  readonly progress: PushProgress;
  readonly reads: ReadMarks;
  readonly #live: LiveNotifications;
  /** maxTimeMS of the reads that answer requests (queryLimit). */
  readonly limit: { maxTimeMS: number };

  constructor(db: Db, options: DeliveriesOptions = {}) {
    this.limit = queryLimit(db);
    this.#live = options.live ?? NO_LIVE_NOTIFICATIONS;
    this.docs = db.collection<Delivery>('deliveries');
    // Buckets of 25: every delivery rewrites the head, so it stays small; a page of 100 (the
    // most a client may ask) reads the head and at most 5 buckets.
    this.inbox = new KeyedList<InboxEntry>(db, 'inbox', {
      idField: 'push_id',
      // Newest push first on every page, even when two fan-outs finish out of order.
      sortBy: ['pushed_at', 'push_id'],
      // ...while seq keeps the order of arrival: "everything after n" for a live reader.
      seqField: 'seq',
      bucketSize: INBOX_BUCKET,
      maxPage: MAX_PER_PAGE,
      ...(options.inboxChanged ? { headChanged: options.inboxChanged } : {}),
      ...this.limit,
    });
    this.progress = new PushProgress(db, this.limit, options.countsChanged);
    this.reads = new ReadMarks(db, this.limit);
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
    const deliveredAt = new Date();
    const uids = [...new Set(studentUids)];
    const entry: InboxEntry = {
      push_id: event.push_id,
      class_id: event.class_id,
      organization_id: event.organization_id,
      message: event.message,
      pushed_at: new Date(event.pushed_at),
      delivered_at: deliveredAt,
    };
    // Each inbox skips a push it lists already (a retried chunk): that entry keeps its seq.
    const listed = new Map<string, InboxEntry>();
    const seqs = new Map<string, number | undefined>();
    await eachLimited(uids, INBOX_WRITERS, async (uid) => {
      const [added] = await this.inbox.appendListed(uid, [entry]);
      if (added) listed.set(uid, added);
      seqs.set(uid, added ? added.seq : await this.#listedSeq(uid, event.push_id));
    });
    const docs: Delivery[] = uids.map((student_uid) => {
      const seq = seqs.get(student_uid);
      return { _id: deliveryId(event.push_id, student_uid), student_uid, ...entry, ...(seq ? { seq } : {}) };
    });
    let repeated = 0;
    try {
      await this.docs.insertMany(docs, { ordered: false });
    } catch (error) {
      // Anything but "already there" (the server down, a bad document) fails the attempt.
      if (!isDuplicateKeyError(error)) throw error;
      // No detail of which: count every student of the chunk as written before.
      repeated = (error as { writeErrors?: unknown[] }).writeErrors?.length || uids.length;
    }
    // Only what this attempt listed: an entry listed by an attempt that died before telling is
    // found by the reader's gap check (its seq is missing from what it saw).
    for (const [uid, added] of listed) {
      if (added.seq === undefined) continue;
      this.#live.publish(uid, {
        seq: added.seq,
        notification: userNotificationOf(studentDeliveryOf(added, undefined)),
      });
    }
    await this.progress.advance(event.push_id, start + studentUids.length, event.student_uids.length);
    return { inserted: docs.length - repeated, duplicates: repeated };
  }

  /** The seq of the entry for `pushId` that a student's inbox lists already: among its newest. */
  async #listedSeq(studentUid: string, pushId: number): Promise<number | undefined> {
    const { items } = await this.inbox.newestFirst(studentUid, 0, MAX_PER_PAGE);
    return items.find((e) => e.push_id === pushId)?.seq;
  }

  /** Deliveries written so far, and read, for each push (PushProgress). */
  countForPushes(pushIds: readonly number[]): Promise<Map<number, PushCounts>> {
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
          { ...this.limit, projection: { _id: 0, delivered_at: 1 } },
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
