import type { Collection, Db, Document, OptionalUnlessRequiredId } from 'mongodb';
import { isDuplicateKeyError } from './duplicate-key.js';

interface Counter {
  _id: string;
  seq: number;
}

/**
 * Integer ids from a `counters` collection. Two callers can receive the same number (`$inc` is
 * not atomic on FerretDB: docs/ferretdb.md, "Updates"), so the id is only a proposal: the unique index on `id` in
 * the target collection decides, and `insertWithNewId` asks again when the insert is refused.
 */
export class Counters {
  readonly #counters: Collection<Counter>;

  constructor(db: Db) {
    this.#counters = db.collection<Counter>('counters');
  }

  async next(name: string): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        const doc = await this.#counters.findOneAndUpdate(
          { _id: name },
          { $inc: { seq: 1 } },
          { upsert: true, returnDocument: 'after' },
        );
        if (!doc) throw new Error(`counter ${name} did not return a value`);
        return doc.seq;
      } catch (error) {
        // Concurrent first calls all try to create the counter; FerretDB refuses all but one with
        // E11000 on `_id` instead of retrying the upsert. Asking again finds the document.
        if (attempt >= 5 || !isDuplicateKeyError(error)) throw error;
      }
    }
  }

  /**
   * Inserts `build(id)` with a fresh id, retrying on a duplicate id. `isIdConflict` tells an id
   * collision from other unique-index refusals, which are the caller's to handle.
   */
  async insertWithNewId<T extends Document>(
    target: Collection<T>,
    name: string,
    build: (id: number) => OptionalUnlessRequiredId<T>,
    isIdConflict: (error: unknown) => boolean = isDuplicateKeyError,
    attempts = 20,
  ): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const id = await this.next(name);
      try {
        await target.insertOne(build(id));
        return id;
      } catch (error) {
        if (attempt >= attempts || !isIdConflict(error)) throw error;
      }
    }
  }
}
