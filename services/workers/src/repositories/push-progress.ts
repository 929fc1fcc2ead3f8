import { KeyLock } from '@im/store';
import type { Collection, Db } from 'mongodb';

/** How far the fan-out of one push has got: `_id` is String(push_id). Written only by the workers. */
export interface PushProgressDoc {
  _id: string;
  /** Students of the roster, from the first, whose delivery is written (a chunk at a time). */
  delivered?: number;
  recipients?: number;
  /** Recipients who marked it read (ReadMarks): a first mark adds one, a repeat nothing. */
  read?: number;
}

export interface PushCounts {
  delivered: number;
  read: number;
}

/**
 * `push_progress`: a push's delivered count, kept by the fan-out as it goes instead of counted
 * from a million deliveries (FerretDB counts by reading every row: docs/ferretdb.md, "Lookups"),
 * and its read count beside it, so a pushes page reads one document per push. The fan-out writes
 * a roster in order, a chunk at a time, so "the first `delivered` students are done" is exact
 * after every chunk, however often the chunk was tried.
 *
 * The fan-out and the read marks write the same document: each sets only its own fields, and both
 * go through one lock per push, since FerretDB rewrites the whole document on every update
 * (docs/ferretdb.md, "Updates"); on MongoDB `$set` and `$inc` are atomic across copies.
 */
export class PushProgress {
  readonly docs: Collection<PushProgressDoc>;
  readonly #read: { maxTimeMS: number };
  readonly #locks = new KeyLock();

  constructor(db: Db, read: { maxTimeMS: number }) {
    this.docs = db.collection<PushProgressDoc>('push_progress');
    this.#read = read;
  }

  /** The first `delivered` of `recipients` students are written; never moves backwards. */
  advance(pushId: number, delivered: number, recipients: number): Promise<void> {
    const _id = String(pushId);
    return this.#locks.run(_id, async () => {
      const now = await this.docs.findOne({ _id });
      if (now && (now.delivered ?? 0) >= delivered) return;
      await this.docs.updateOne({ _id }, { $set: { delivered, recipients } }, { upsert: true });
    });
  }

  /** One more recipient read the push (its first mark). */
  countRead(pushId: number): Promise<void> {
    const _id = String(pushId);
    return this.#locks.run(_id, async () => {
      await this.docs.updateOne({ _id }, { $inc: { read: 1 } }, { upsert: true });
    });
  }

  /** Delivered and read so far for each push; 0 for one not started (or unknown). One look-up each. */
  async counts(pushIds: readonly number[]): Promise<Map<number, PushCounts>> {
    const ids = [...new Set(pushIds)];
    const docs = await Promise.all(ids.map((id) => this.docs.findOne({ _id: String(id) }, this.#read)));
    return new Map(
      ids.map((id, i) => [id, { delivered: docs[i]?.delivered ?? 0, read: docs[i]?.read ?? 0 }] as const),
    );
  }
}
