import type { ClassMessageEvent, DeliveryRecord } from '@im/contracts';
import { isDuplicateKeyError } from '@im/store';
import type { Collection, Db } from 'mongodb';

/** One student's copy of one push. Written by the workers only; the broadcast service reads it. */
export type Delivery = DeliveryRecord;

export interface ChunkOutcome {
  inserted: number;
  /** Refused by the unique index: written by an earlier attempt, so already done. */
  duplicates: number;
}

/**
 * `deliveries`, owned by the workers. The unique index on (push_id, student_uid) makes a
 * redelivered message harmless: every chunk is inserted unordered, so the index refuses the
 * deliveries already written and the rest go in.
 */
export class Deliveries {
  readonly docs: Collection<Delivery>;

  constructor(db: Db) {
    this.docs = db.collection<Delivery>('deliveries');
  }

  async ensureIndexes(): Promise<void> {
    await this.docs.createIndex({ push_id: 1, student_uid: 1 }, { unique: true });
    // The broadcast service's "notifications of a student, newest first".
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

  countForPush(pushId: number): Promise<number> {
    return this.docs.countDocuments({ push_id: pushId });
  }
}
