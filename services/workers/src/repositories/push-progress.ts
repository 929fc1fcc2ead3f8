import { findByIds, KeyLock, updatesAreAtomic } from '@im/store';
import type { Collection, Db, UpdateFilter } from 'mongodb';

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
 * The fan-out and the read marks write the same document, each only its own fields, with one
 * atomic statement each (`$max`, `$inc`), so copies of the workers may write it at once. Where
 * updates are not atomic (an upstream FerretDB: docs/ferretdb.md, "Updates") the whole document is
 * written back, and the writes of one push go through a lock in this process instead.
 */
export class PushProgress {
  readonly docs: Collection<PushProgressDoc>;
  readonly #read: { maxTimeMS: number };
  readonly #locks = new KeyLock();
  readonly #db: Db;

  /** Told of each push whose counts a write changed, after the write (the change notices). */
  readonly #changed: (pushId: number) => void;

  constructor(db: Db, read: { maxTimeMS: number }, changed: (pushId: number) => void = () => {}) {
    this.#db = db;
    this.docs = db.collection<PushProgressDoc>('push_progress');
    this.#read = read;
    this.#changed = changed;
  }

  /** The first `delivered` of `recipients` students are written; never moves backwards. */
  async advance(pushId: number, delivered: number, recipients: number): Promise<void> {
    await this.#write(String(pushId), { $max: { delivered }, $set: { recipients } });
    this.#changed(pushId);
  }

  /** One more recipient read the push (its first mark). */
  async countRead(pushId: number): Promise<void> {
    await this.#write(String(pushId), { $inc: { read: 1 } });
    this.#changed(pushId);
  }

  async #write(_id: string, update: UpdateFilter<PushProgressDoc>): Promise<void> {
    const write = async () => {
      await this.docs.updateOne({ _id }, update, { upsert: true });
    };
    if (await updatesAreAtomic(this.#db)) return write();
    return this.#locks.run(_id, write);
  }

  /** Delivered and read so far for each push; 0 for one not started (or unknown). One statement. */
  async counts(pushIds: readonly number[]): Promise<Map<number, PushCounts>> {
    const ids = [...new Set(pushIds)];
    // One statement for a page of pushes (findByIds: `_id: {$in}`, served by the `_id` index on
    // MongoDB and on our FerretDB build, docs/ferretdb.md, "Our build"); a look-up per push was 20
    // statements for a page of 20. No projection: the documents are four small fields, and
    // FerretDB projects by copying each document whole first (a tenth of its CPU on this page).
    const found = await findByIds(this.docs, ids.map(String), this.#read);
    return new Map(
      ids.map((id) => {
        const doc = found.get(String(id));
        return [id, { delivered: doc?.delivered ?? 0, read: doc?.read ?? 0 }] as const;
      }),
    );
  }
}
