import { AppError, ClassEventSubjects, ErrorCode } from '@im/contracts';
import {
  dueFilter,
  dueOrder,
  failureUpdate,
  freshRelayFields,
  parkedFilter,
  type RelayFailure,
  relayIndexKeys,
  retryParkedUpdate,
} from '@im/events';
import { Counters, isDuplicateKeyError, queryLimit } from '@im/store';
import type { Collection, Db } from 'mongodb';

/**
 * The pending class-message event, written inside the push record by the same insert. The
 * relay's fields (libs/events, outbox-fields.ts) are absent on records older than them.
 */
export interface PushEvent {
  id: string;
  subject: string;
  sent: boolean;
  /** Real time of the insert (not the injectable push clock): the relay's age threshold. */
  created_at: Date;
  sent_at?: Date;
  /** When the relay may try next; failed attempts so far and the last one's error. */
  retry_at?: Date;
  attempts?: number;
  last_error?: string;
  /** Given up on after the last attempt: waits for an operator (docs/broadcast.md). */
  parked?: boolean;
  parked_at?: Date;
}

export interface PushRecord {
  /**
   * The event id, so that marking the event sent scans no pushes on FerretDB either
   * (docs/ferretdb.md, "Lookups").
   */
  _id: string;
  /** push_history_record_id: from the `push_history` counter, guarded by a unique index. */
  id: number;
  class_id: number;
  organization_id: number;
  /** YYYY-MM-DD in PUSH_TIMEZONE; unique with class_id: the once-a-day rule. */
  day: string;
  pushed_at: Date;
  message: string;
  /** Recipients as they were at the moment of the push. */
  student_uids: string[];
  recipient_count: number;
  event: PushEvent;
}

export type NewPush = Omit<PushRecord, '_id' | 'id' | 'event'> & { eventId: string };

/** A push without its recipients: what lists read (a roster can be hundreds of kilobytes). */
export type PushSummary = Omit<PushRecord, 'student_uids'>;

const WITHOUT_RECIPIENTS = { projection: { student_uids: 0 } } as const;

const COUNTER = 'push_history';

/** One push per (class, day); the 409 of the API. */
export const alreadyPushed = (classId: number, day: string) =>
  new AppError(ErrorCode.ClassAlreadyPushed, `class_id: class ${classId} was already pushed on ${day}`);

/**
 * `push_history`: written once per push by a single insert that also carries the pending event
 * (the outbox shape for records written once), then only `event.sent` changes.
 */
export class PushHistory {
  readonly docs: Collection<PushRecord>;
  readonly #counters: Counters;
  /** maxTimeMS of the reads that answer requests (queryLimit). */
  readonly #limit: { maxTimeMS: number };

  constructor(db: Db) {
    this.docs = db.collection<PushRecord>('push_history');
    this.#limit = queryLimit(db);
    this.#counters = new Counters(db);
  }

  async ensureIndexes(): Promise<void> {
    await this.docs.createIndex({ id: 1 }, { unique: true });
    await this.docs.createIndex({ class_id: 1, day: 1 }, { unique: true });
    await this.docs.createIndex({ 'event.sent': 1, 'event.created_at': 1 });
    // The relay's: due events only (see dueFilter).
    await this.docs.createIndex(relayIndexKeys('event.'));
  }

  /**
   * Inserts the push with a fresh id. Two unique indexes can refuse it: `id` (an id handed out
   * twice; retried with a new one) and (class_id, day) (the 409). MongoDB names the index in the
   * error's keyPattern; FerretDB 1.24 names neither index nor key, so when the error does not say,
   * a look-up decides: a push of this class on this day exists → 409, otherwise it was the id.
   */
  async record(push: NewPush): Promise<PushRecord> {
    const { eventId, ...fields } = push;
    let record: PushRecord | undefined;
    for (let round = 1; ; round++) {
      try {
        await this.#counters.insertWithNewId(
          this.docs,
          COUNTER,
          (id) => {
            record = {
              _id: eventId,
              id,
              ...fields,
              event: { id: eventId, subject: ClassEventSubjects.message, ...freshRelayFields(new Date()) },
            };
            return record;
          },
          (error) => keyPatternOf(error)?.id !== undefined,
        );
        return record!;
      } catch (error) {
        const pattern = keyPatternOf(error);
        if (pattern?.class_id !== undefined) throw alreadyPushed(push.class_id, push.day);
        if (pattern !== undefined || !isDuplicateKeyError(error)) throw error;
        const existing = await this.docs.findOne(
          { class_id: push.class_id, day: push.day },
          { projection: { _id: 1 } },
        );
        if (existing) throw alreadyPushed(push.class_id, push.day);
        if (round >= 20) throw error;
      }
    }
  }

  async markSent(eventId: string): Promise<void> {
    await this.docs.updateOne(
      { _id: eventId },
      { $set: { 'event.sent': true, 'event.sent_at': new Date() } },
    );
  }

  /** Records whose event is due for the relay (see dueFilter), next due first. */
  findPending(olderThan: Date, limit: number, now: Date = new Date()): Promise<PushRecord[]> {
    return this.docs
      .find(dueFilter('event.', olderThan, now))
      .sort(dueOrder('event.'))
      .limit(limit)
      .toArray();
  }

  async recordFailure(eventId: string, failure: RelayFailure): Promise<void> {
    await this.docs.updateOne({ _id: eventId, 'event.sent': false }, failureUpdate('event.', failure));
  }

  /** Pending events, parked ones included. */
  countPending(): Promise<number> {
    return this.docs.countDocuments({ 'event.sent': false });
  }

  countParked(): Promise<number> {
    return this.docs.countDocuments(parkedFilter('event.'));
  }

  /** Makes every parked event due again with a fresh count (the mongosh update of docs/broadcast.md). */
  async retryParked(): Promise<number> {
    return (await this.docs.updateMany(parkedFilter('event.'), retryParkedUpdate('event.'))).modifiedCount;
  }

  /** A class's pushes, newest day first (one per day, so this is time order), without recipients. */
  listByClass(classId: number, skip: number, limit: number): Promise<PushSummary[]> {
    return this.docs
      .find({ class_id: classId }, { ...this.#limit, ...WITHOUT_RECIPIENTS })
      .sort({ day: -1 })
      .skip(skip)
      .limit(limit)
      .toArray();
  }

  /** One push, without its recipients. */
  findById(pushId: number): Promise<PushSummary | null> {
    return this.docs.findOne({ id: pushId }, WITHOUT_RECIPIENTS);
  }

  /**
   * A page of a push's recipients, in the order of the roster. The array is unwound and cut on
   * the server: only the page crosses the wire (FerretDB 1.24 has no `$slice` projection). `_id`
   * stays in the `$project`: FerretDB 1.24 drops the connection when `$unwind` follows one without it.
   */
  async recipientsPage(pushId: number, skip: number, limit: number): Promise<string[]> {
    const rows = await this.docs
      .aggregate<{ student_uids: string }>(
        [
          { $match: { id: pushId } },
          { $project: { student_uids: 1 } },
          { $unwind: '$student_uids' },
          { $skip: skip },
          { $limit: limit },
        ],
        this.#limit,
      )
      .toArray();
    return rows.map((r) => r.student_uids);
  }

  countByClass(classId: number): Promise<number> {
    return this.docs.countDocuments({ class_id: classId }, this.#limit);
  }
}

/** MongoDB's `keyPattern` of a duplicate-key error; undefined when the server does not report it. */
function keyPatternOf(error: unknown): Record<string, unknown> | undefined {
  if (!isDuplicateKeyError(error)) return undefined;
  const pattern = (error as { keyPattern?: unknown }).keyPattern;
  return pattern !== null && typeof pattern === 'object' ? (pattern as Record<string, unknown>) : undefined;
}
