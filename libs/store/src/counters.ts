import type { Collection, Db, Document, OptionalUnlessRequiredId } from 'mongodb';
import { isDuplicateKeyError } from './duplicate-key.js';

interface Counter {
  _id: string;
  seq: number;
}

export interface CountersOptions {
  /**
   * Ids taken from the counter per round trip, handed out in this process one by one. 1 (the
   * default) asks the counter for every id. A block is still only a proposal (below): a restart
   * leaves the rest of its block unused, so ids have gaps.
   */
  blockSize?: number;
}

/**
 * Integer ids from a `counters` collection (`_id` = the sequence's name: a string-`_id` look-up).
 * `$inc` hands each number out once where updates are atomic (MongoDB, our FerretDB build); an
 * upstream FerretDB can hand one number to two callers (docs/ferretdb.md, "Updates"), and a
 * counter can lag behind the ids in use (restored data), so the id is still only a proposal: the
 * unique index on the id in the target collection decides, and `insertWithNewId` asks again when
 * the insert is refused. With `blockSize` > 1 one `$inc` reserves a block of ids; a refused id
 * means the block is taken, and it is dropped for a fresh one.
 */
export class Counters {
  readonly #counters: Collection<Counter>;
  readonly #blockSize: number;
  readonly #blocks = new Map<string, { next: number; end: number }>();
  readonly #refills = new Map<string, Promise<void>>();

  constructor(db: Db, options: CountersOptions = {}) {
    this.#counters = db.collection<Counter>('counters');
    this.#blockSize = options.blockSize ?? 1;
    if (!Number.isInteger(this.#blockSize) || this.#blockSize < 1) throw new Error('blockSize must be ≥ 1');
  }

  /** The next value of the sequence (moves it by `by`: the value is the last of the block). */
  async next(name: string, by = 1): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        const doc = await this.#counters.findOneAndUpdate(
          { _id: name },
          { $inc: { seq: by } },
          { upsert: true, returnDocument: 'after' },
        );
        if (!doc) throw new Error(`counter ${name} did not return a value`);
        return doc.seq;
      } catch (error) {
        // Concurrent first calls may all try to create the counter, and the server refuses all
        // but one with E11000 on `_id` instead of retrying the upsert. Asking again finds it.
        if (attempt >= 20 || !isDuplicateKeyError(error)) throw error;
      }
    }
  }

  /** An id proposal: from this process's block when blocks are on. */
  async propose(name: string): Promise<number> {
    if (this.#blockSize === 1) return this.next(name);
    for (;;) {
      const block = this.#blocks.get(name);
      if (block && block.next <= block.end) return block.next++;
      let refill = this.#refills.get(name);
      if (!refill) {
        refill = this.next(name, this.#blockSize)
          .then((end) => {
            this.#blocks.set(name, { next: end - this.#blockSize + 1, end });
          })
          .finally(() => this.#refills.delete(name));
        this.#refills.set(name, refill);
      }
      await refill;
    }
  }

  /** Forgets the block of `name` (another process was handed the same numbers). */
  dropBlock(name: string): void {
    this.#blocks.delete(name);
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
      const id = await this.propose(name);
      try {
        await target.insertOne(build(id));
        return id;
      } catch (error) {
        if (attempt >= attempts || !isIdConflict(error)) throw error;
        this.dropBlock(name);
      }
    }
  }
}
