import type { Collection, Db } from 'mongodb';

/** How far the fan-out of one push has got: `_id` is String(push_id). Written only by the workers. */
export interface PushProgressDoc {
  _id: string;
  /** Students of the roster, from the first, whose delivery is written (a chunk at a time). */
  delivered: number;
  recipients: number;
}

/** Counts of pushes already complete, which never change again: most of a pushes page. */
const COMPLETE_CACHE_SIZE = 50_000;

/**
 * `push_progress`: a push's delivered count, kept by the fan-out as it goes instead of counted
 * from a million deliveries (FerretDB counts by reading every row: docs/ferretdb.md, "Lookups").
 * The fan-out writes a roster in order, a chunk at a time, so "the first `delivered` students are
 * done" is exact after every chunk, however often the chunk was tried.
 */
export class PushProgress {
  readonly docs: Collection<PushProgressDoc>;
  readonly #read: { maxTimeMS: number };
  readonly #complete = new Map<number, number>();

  constructor(db: Db, read: { maxTimeMS: number }) {
    this.docs = db.collection<PushProgressDoc>('push_progress');
    this.#read = read;
  }

  /** The first `delivered` of `recipients` students are written; never moves backwards. */
  async advance(pushId: number, delivered: number, recipients: number): Promise<void> {
    const _id = String(pushId);
    const now = await this.docs.findOne({ _id });
    if (now && now.delivered >= delivered) return;
    await this.docs.replaceOne({ _id }, { delivered, recipients }, { upsert: true });
  }

  /** Delivered so far for each push; 0 for one not started (or unknown). */
  async counts(pushIds: readonly number[]): Promise<Map<number, number>> {
    const counts = new Map<number, number>();
    const unknown = [...new Set(pushIds)].filter((id) => {
      const cached = this.#complete.get(id);
      if (cached !== undefined) counts.set(id, cached);
      return cached === undefined;
    });
    const docs = await Promise.all(unknown.map((id) => this.docs.findOne({ _id: String(id) }, this.#read)));
    unknown.forEach((id, i) => {
      const doc = docs[i];
      counts.set(id, doc?.delivered ?? 0);
      if (doc && doc.delivered >= doc.recipients) this.#remember(id, doc.delivered);
    });
    return counts;
  }

  #remember(pushId: number, delivered: number): void {
    if (this.#complete.size >= COMPLETE_CACHE_SIZE) {
      // Oldest first out: a Map iterates in insertion order.
      const first = this.#complete.keys().next();
      if (!first.done) this.#complete.delete(first.value);
    }
    this.#complete.set(pushId, delivered);
  }
}
