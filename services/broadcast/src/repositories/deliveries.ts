import type { DeliveryRecord } from '@im/contracts';
import { queryLimit } from '@im/store';
import type { Collection, Db } from 'mongodb';

/** A delivery as the workers write it (their `deliveries` collection; see @im/workers). */
export type DeliveryDoc = DeliveryRecord;

/**
 * Read-only view of the workers' `deliveries`. The workers own the collection and its indexes
 * (unique (push_id, student_uid); (student_uid, pushed_at)); this service never writes to it.
 * How far a push has got is counted from these records, never kept in a counter.
 */
export class DeliveriesReader {
  readonly #docs: Collection<DeliveryDoc>;
  /** maxTimeMS of the reads that answer requests (queryLimit). */
  readonly #limit: { maxTimeMS: number };

  constructor(db: Db) {
    this.#docs = db.collection<DeliveryDoc>('deliveries');
    this.#limit = queryLimit(db);
  }

  /**
   * Deliveries written so far for each push, in one pass: FerretDB 1.24 scans the collection for
   * any filter but a string `_id`, so one aggregation beats a count per push (MongoDB uses the index).
   */
  async countForPushes(pushIds: readonly number[]): Promise<Map<number, number>> {
    const counts = new Map<number, number>(pushIds.map((id) => [id, 0]));
    if (pushIds.length === 0) return counts;
    const rows = await this.#docs
      .aggregate<{ _id: number; n: number }>(
        [{ $match: { push_id: { $in: [...pushIds] } } }, { $group: { _id: '$push_id', n: { $sum: 1 } } }],
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
    const rows = await this.#docs
      .find(
        { push_id: pushId, student_uid: { $in: [...studentUids] } },
        { ...this.#limit, projection: { _id: 0, student_uid: 1, delivered_at: 1 } },
      )
      .toArray();
    for (const row of rows) at.set(row.student_uid, row.delivered_at);
    return at;
  }

  /** A student's deliveries, newest push first. */
  listForStudent(studentUid: string, skip: number, limit: number): Promise<DeliveryDoc[]> {
    return this.#docs
      .find({ student_uid: studentUid }, this.#limit)
      .sort({ pushed_at: -1, push_id: -1 })
      .skip(skip)
      .limit(limit)
      .toArray();
  }

  countForStudent(studentUid: string): Promise<number> {
    return this.#docs.countDocuments({ student_uid: studentUid }, this.#limit);
  }
}
