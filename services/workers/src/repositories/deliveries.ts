import type { ClassMessageEvent } from '@im/contracts';
import { isDuplicateKeyError, queryLimit } from '@im/store';
import type { Collection, Db } from 'mongodb';

/**
 * One student's copy of one push, as stored. Only the workers read or write this shape: other
 * services ask over NATS (`DeliverySubjects`), so the document can change without them.
 */
export interface Delivery {
  push_id: number;
  class_id: number;
  organization_id: number;
  student_uid: string;
  message: string;
  pushed_at: Date;
  delivered_at: Date;
}

export interface ChunkOutcome {
  inserted: number;
  /** Refused by the unique index: written by an earlier attempt, so already done. */
  duplicates: number;
}

/**
 * `deliveries`, owned by the workers. The unique index on (push_id, student_uid) makes a
 * redelivered message harmless: every chunk is inserted unordered, so the index refuses the
 * deliveries already written and the rest go in. How far a push has got is counted from these
 * records, never kept in a counter (many writers would race on it).
 */
export class Deliveries {
  readonly docs: Collection<Delivery>;
  /** maxTimeMS of the reads that answer requests (queryLimit). */
  readonly #limit: { maxTimeMS: number };

  constructor(db: Db) {
    this.docs = db.collection<Delivery>('deliveries');
    this.#limit = queryLimit(db);
  }

  async ensureIndexes(): Promise<void> {
    // The fan-out's guard, and what serves a push's counts and its recipients' delivery times.
    await this.docs.createIndex({ push_id: 1, student_uid: 1 }, { unique: true });
    // A student's deliveries, newest first (im.deliveries.for_student).
    await this.docs.createIndex({ student_uid: 1, pushed_at: -1 });
  }

  async insertChunk(event: ClassMessageEvent, studentUids: readonly string[]): Promise<ChunkOutcome> {
    const pushedAt = new Date(event.pushed_at);
    const deliveredAt = new Date();
    const docs: Delivery[] = studentUids.map((student_uid) => ({
      push_id: event.push_id,
      class_id: event.class_id,
      organization_id: event.organization_id,
      student_uid,
      message: event.message,
      pushed_at: pushedAt,
      delivered_at: deliveredAt,
    }));
    try {
      const result = await this.docs.insertMany(docs, { ordered: false });
      return { inserted: result.insertedCount, duplicates: 0 };
    } catch (error) {
      // Anything but "already there" (the server down, a bad document) fails the attempt.
      if (!isDuplicateKeyError(error)) throw error;
      const duplicates = (error as { writeErrors?: unknown[] }).writeErrors?.length ?? 1;
      return { inserted: docs.length - duplicates, duplicates };
    }
  }

  /** A student's deliveries, newest push first. */
  listForStudent(studentUid: string, skip: number, limit: number): Promise<Delivery[]> {
    return this.docs
      .find({ student_uid: studentUid }, this.#limit)
      .sort({ pushed_at: -1, push_id: -1 })
      .skip(skip)
      .limit(limit)
      .toArray();
  }

  countForStudent(studentUid: string): Promise<number> {
    return this.docs.countDocuments({ student_uid: studentUid }, this.#limit);
  }

  /**
   * Deliveries written so far for each push, in one pass: FerretDB scans the collection for any
   * filter but a string `_id` (docs/ferretdb.md, "Lookups"), so one aggregation beats a
   * count per push; MongoDB uses the (push_id, student_uid) index.
   */
  async countForPushes(pushIds: readonly number[]): Promise<Map<number, number>> {
    const counts = new Map<number, number>(pushIds.map((id) => [id, 0]));
    if (pushIds.length === 0) return counts;
    const rows = await this.docs
      .aggregate<{ _id: number; n: number }>(
        [
          { $match: { push_id: { $in: [...counts.keys()] } } },
          { $group: { _id: '$push_id', n: { $sum: 1 } } },
        ],
        this.#limit,
      )
      .toArray();
    for (const row of rows) counts.set(row._id, row.n);
    return counts;
  }

  /** When each of `studentUids` got its copy of a push; absent: not yet. Served by (push_id, student_uid). */
  async deliveredAt(pushId: number, studentUids: readonly string[]): Promise<Map<string, Date>> {
    const at = new Map<string, Date>();
    if (studentUids.length === 0) return at;
    const rows = await this.docs
      .find(
        { push_id: pushId, student_uid: { $in: [...new Set(studentUids)] } },
        { ...this.#limit, projection: { _id: 0, student_uid: 1, delivered_at: 1 } },
      )
      .toArray();
    for (const row of rows) at.set(row.student_uid, row.delivered_at);
    return at;
  }
}
