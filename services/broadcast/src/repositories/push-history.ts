import { AppError, ClassEventSubjects, type ClassMessageEvent, ErrorCode } from '@im/contracts';
import { Counters, isDuplicateKeyError } from '@im/store';
import type { Collection, Db } from 'mongodb';

/** The pending class-message event, written inside the push record by the same insert. */
export interface PushEvent {
  id: string;
  subject: string;
  sent: boolean;
  /** Real time of the insert (not the injectable push clock): the relay's age threshold. */
  created_at: Date;
  sent_at?: Date;
}

export interface PushRecord {
  /**
   * The event id. FerretDB 1.24 (SQLite) finds a document without a full scan only by a string
   * `_id`: marking the event sent must not scan every push (each with its recipients).
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

  constructor(db: Db) {
    this.docs = db.collection<PushRecord>('push_history');
    this.#counters = new Counters(db);
  }

  async ensureIndexes(): Promise<void> {
    await this.docs.createIndex({ id: 1 }, { unique: true });
    await this.docs.createIndex({ class_id: 1, day: 1 }, { unique: true });
    await this.docs.createIndex({ 'event.sent': 1, 'event.created_at': 1 });
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
              event: {
                id: eventId,
                subject: ClassEventSubjects.message,
                sent: false,
                created_at: new Date(),
              },
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

  findPending(olderThan: Date, limit: number): Promise<PushRecord[]> {
    return this.docs
      .find({ 'event.sent': false, 'event.created_at': { $lt: olderThan } })
      .sort({ 'event.created_at': 1 })
      .limit(limit)
      .toArray();
  }

  countPending(): Promise<number> {
    return this.docs.countDocuments({ 'event.sent': false });
  }

  /** A class's pushes, newest day first (one per day, so this is time order). */
  listByClass(classId: number, skip: number, limit: number): Promise<PushRecord[]> {
    return this.docs.find({ class_id: classId }).sort({ day: -1 }).skip(skip).limit(limit).toArray();
  }

  countByClass(classId: number): Promise<number> {
    return this.docs.countDocuments({ class_id: classId });
  }
}

/** The event a push announces; its recipients travel inline (see ClassMessageEvent). */
export function classMessageEvent(record: PushRecord): ClassMessageEvent {
  return {
    event_id: record.event.id,
    push_id: record.id,
    class_id: record.class_id,
    organization_id: record.organization_id,
    student_uids: record.student_uids,
    message: record.message,
    day: record.day,
    pushed_at: record.pushed_at.toISOString(),
  };
}

/** MongoDB's `keyPattern` of a duplicate-key error; undefined when the server does not report it. */
function keyPatternOf(error: unknown): Record<string, unknown> | undefined {
  if (!isDuplicateKeyError(error)) return undefined;
  const pattern = (error as { keyPattern?: unknown }).keyPattern;
  return pattern !== null && typeof pattern === 'object' ? (pattern as Record<string, unknown>) : undefined;
}
