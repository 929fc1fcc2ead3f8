import { isDuplicateKeyError, type KeptValues, KeyLock, PageCache } from '@im/store';
import type { Collection, Db } from 'mongodb';
import { type ChangePlan, type ListShape, planChange } from './sorted-lists/change-plan.js';
import {
  chunkId,
  type SortedChange,
  type SortedDoc,
  type SortedHead,
  type SortedPage,
} from './sorted-lists/model.js';
import { ListReader } from './sorted-lists/reader.js';

export type { SortedChange, SortedPage } from './sorted-lists/model.js';

/**
 * Sorted sets, one per string key, stored so that every read and write is a look-up by a string
 * `_id`, which FerretDB serves from its index (docs/ferretdb.md, "Lookups"): a head, directory
 * pages once the list is long, and sealed chunks (sorted-lists/model.ts has the documents).
 *
 * Entries arrive mostly at the end (ids are allocated increasing), so most changes rewrite the
 * head only; a full tail (`tailSize`) folds its older half into the last chunk, or seals it as a
 * new one when that chunk is full. A change inside a sealed chunk writes that chunk anew (under a
 * fresh number: chunks and pages are copy-on-write), then its directory page, then the head. A
 * chunk (or page) over twice its size splits; an empty one is dropped (removals leave chunks
 * smaller: a page then spans a few more of them).
 *
 * The head holds the directory inline while it names at most `dirSize` chunks, and after that one
 * entry per page of about `dirSize` chunks: FerretDB reads a whole document whatever the
 * projection (an inline directory of 312 chunks made a head read 7 times slower than one of 5,
 * measured), and every page and every change reads the head. A page of a list is the head, the
 * directory pages it overlaps and the chunks it overlaps: one `$in` each, usually one document.
 *
 * Writes of one key are serialized in this process (fewer lost compare-and-sets), and heads are
 * written compare-and-set on their version `v` (a string-`_id` filter plus `v`), so copies of the
 * service cannot lose each other's changes on a server whose updates are atomic (MongoDB, our
 * FerretDB build: docs/ferretdb.md, "Updates"). A crash between a fresh document's insert and its
 * head's write leaves an unnamed document behind, never a wrong count.
 */
export interface SortedListsOptions<T, K> {
  keyOf: (entry: T) => K;
  chunkSize?: number;
  /**
   * Most entries inline in the head (default: a tenth of chunkSize, at least 4). FerretDB reads
   * and writes a document in time that grows with its size, and the head is read by every page
   * and written by every change: a full tail is folded into the last chunk, or sealed as a new one.
   */
  tailSize?: number;
  /** Chunks the head names inline, and per directory page (default 64). */
  dirSize?: number;
  maxTimeMS?: number;
  /**
   * Pages of at most this many entries are kept, with the list version they were read at, and
   * answered again while the head still carries it (PageCache): a page is then one read of the
   * head. Default: none kept.
   */
  cachePagesUpTo?: number;
  /**
   * Heads kept for the reads (`page`, `version`) until a write of the list is heard, in this
   * copy or another (KeptValues: change notices). With `cachePagesUpTo`, a page read again is
   * then no look-up at all. Writes read the stored head (their compare-and-set needs it) and
   * tell `heads` after the head's write. A kept head whose chunks are gone (a notice not heard
   * yet) is read again from the store. Default: every read reads the head.
   */
  heads?: KeptValues<SortedHead<T, K>>;
}

/** Pages a SortedLists with `cachePagesUpTo` keeps (the least recently used go first). */
const CACHED_PAGES = 1_000;

export const DEFAULT_CHUNK = 200;
export const DEFAULT_DIR = 64;

export class SortedLists<T, K extends string | number> {
  readonly docs: Collection<SortedDoc<T, K>>;
  readonly chunkSize: number;
  readonly tailSize: number;
  readonly dirSize: number;
  /** Upsert-only changes waiting for a key's lock: the next writer takes them all in one write. */
  readonly #queued = new Map<
    string,
    { upsert: T[]; done: Promise<number>; resolve: (n: number) => void; reject: (e: unknown) => void }
  >();
  readonly #keyOf: (entry: T) => K;
  readonly #locks = new KeyLock();
  readonly #reader: ListReader<T, K>;
  readonly #shape: ListShape<T, K>;
  readonly #pages: PageCache<T> | undefined;
  readonly #cachePagesUpTo: number;
  readonly #heads: KeptValues<SortedHead<T, K>> | undefined;

  constructor(db: Db, collection: string, options: SortedListsOptions<T, K>) {
    this.docs = db.collection<SortedDoc<T, K>>(collection);
    this.#keyOf = options.keyOf;
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
    if (!Number.isInteger(this.chunkSize) || this.chunkSize < 4) throw new Error('chunkSize must be ≥ 4');
    this.tailSize = Math.min(
      this.chunkSize,
      options.tailSize ?? Math.max(4, Math.floor(this.chunkSize / 10)),
    );
    this.dirSize = options.dirSize ?? DEFAULT_DIR;
    if (!Number.isInteger(this.dirSize) || this.dirSize < 2) throw new Error('dirSize must be ≥ 2');
    this.#shape = {
      keyOf: this.#keyOf,
      chunkSize: this.chunkSize,
      tailSize: this.tailSize,
      dirSize: this.dirSize,
    };
    this.#cachePagesUpTo = options.cachePagesUpTo ?? 0;
    this.#heads = options.heads;
    this.#pages = this.#cachePagesUpTo > 0 ? new PageCache<T>(CACHED_PAGES) : undefined;
    this.#reader = new ListReader(
      this.docs,
      options.maxTimeMS === undefined ? {} : { maxTimeMS: options.maxTimeMS },
    );
  }

  async count(key: string): Promise<number> {
    return (await this.#reader.head(key))?.n ?? 0;
  }

  /** The list's version: 0 before its first entry, one more after every change (its head's `v`). */
  async version(key: string): Promise<number> {
    if (this.#heads) return (await this.#keptHead(key))?.v ?? 0;
    const head = await this.docs.findOne({ _id: key }, { ...this.#reader.options, projection: { v: 1 } });
    return head?.v ?? 0;
  }

  /** `limit` entries after skipping `skip`, in key order. */
  page(key: string, skip: number, limit: number): Promise<SortedPage<T>> {
    const pages = limit <= this.#cachePagesUpTo ? this.#pages : undefined;
    return this.#consistent(
      key,
      async (head) => {
        const kept = pages?.get(key, skip, limit, head.v);
        if (kept) return { total: head.n, items: kept };
        const items = await this.#reader.range(key, head, skip, skip + Math.max(0, limit));
        if (items) pages?.set(key, skip, limit, head.v, items);
        return items && { total: head.n, items };
      },
      { total: 0, items: [] },
      true,
    );
  }

  /** Every entry, in key order. */
  async all(key: string): Promise<T[]> {
    return (await this.page(key, 0, Number.MAX_SAFE_INTEGER)).items;
  }

  /** The entries with these keys that are in the list. */
  async pick(key: string, keys: readonly K[]): Promise<Map<K, T>> {
    if (keys.length === 0) return new Map();
    return (await this.pickCounted(key, keys)).found;
  }

  /** As `pick`, with the list's length: both from one read of the head. */
  pickCounted(key: string, keys: readonly K[]): Promise<{ found: Map<K, T>; total: number }> {
    const none = { found: new Map<K, T>(), total: 0 };
    return this.#consistent(
      key,
      async (head) => {
        const found = new Map<K, T>();
        const segments = await this.#reader.segmentsOf(key, head, keys);
        if (!segments) return undefined;
        const wanted = new Set<K>(keys);
        for (const items of segments.values()) {
          for (const e of items) if (wanted.has(this.#keyOf(e))) found.set(this.#keyOf(e), e);
        }
        return { found, total: head.n };
      },
      none,
    );
  }

  /**
   * Writes the entries of a list that has no head yet (a new group's members) without reading
   * for its head first: one write. A list that has one (a replay of the create) is changed as by
   * `change`, after the head's insert is refused.
   */
  create(key: string, entries: readonly T[]): Promise<number> {
    if (entries.length === 0) return Promise.resolve(0);
    return this.#locks.run(key, () => this.#change(key, { upsert: entries }, true));
  }

  /** Applies `change` to the list `key`; answers how the length changed. */
  change(key: string, change: SortedChange<T, K>): Promise<number> {
    if (!change.upsert?.length && !change.remove?.length && !change.patch) return Promise.resolve(0);
    if (change.remove?.length || change.patch) return this.#locks.run(key, () => this.#change(key, change));
    // Upserts only (appends, mostly): concurrent ones of one key share one write (a group
    // commit), so a busy list (an organization's, under many creates) is not one write per change.
    const queued = this.#queued.get(key);
    if (queued) {
      queued.upsert.push(...(change.upsert ?? []));
      return queued.done.then(() => 0);
    }
    let resolve!: (n: number) => void;
    let reject!: (e: unknown) => void;
    const done = new Promise<number>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const batch = { upsert: [...(change.upsert ?? [])], done, resolve, reject };
    this.#queued.set(key, batch);
    this.#locks
      .run(key, () => {
        if (this.#queued.get(key) === batch) this.#queued.delete(key);
        return this.#change(key, { upsert: batch.upsert });
      })
      .then(batch.resolve, batch.reject);
    return done;
  }

  /** The head as reads may see it: kept (`heads`), or read. */
  async #keptHead(key: string): Promise<SortedHead<T, K> | null> {
    if (!this.#heads) return this.#reader.head(key);
    return (await this.#heads.get(key, async () => (await this.#reader.head(key)) ?? undefined)) ?? null;
  }

  /**
   * A read of the head and what it names, again while a page or chunk vanished under it: the
   * first from the kept head (when `kept`), the next ones from the stored head.
   */
  async #consistent<R>(
    key: string,
    read: (head: SortedHead<T, K>) => Promise<R | undefined>,
    empty: R,
    kept = false,
  ): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      const head = kept && attempt === 1 ? await this.#keptHead(key) : await this.#reader.head(key);
      if (!head) return empty;
      const result = await read(head);
      if (result !== undefined) return result;
      if (attempt >= 5) throw new Error(`list ${key}: its chunks kept changing under the read`);
    }
  }

  async #change(key: string, change: SortedChange<T, K>, assumeNew = false): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const stored = assumeNew && attempt === 1 ? null : await this.#reader.head(key);
      const plan = await planChange(this.#reader, this.#shape, key, stored, change);
      const delta = plan && (await this.#commit(key, plan, stored));
      if (delta !== undefined) return delta;
      if (attempt >= 50) throw new Error(`list ${key}: it kept changing under this write`);
    }
  }

  /**
   * Copy on write: a chunk or directory page is never changed in place. Each changed one is
   * inserted anew under a number none has, and only the head's compare-and-set makes it part of
   * the list; what it replaces is deleted after. So a writer whose head write loses (another copy
   * changed the list meanwhile) leaves nothing behind but its own fresh documents, which it
   * deletes: no entry it moved can stay both in a chunk and in the head's tail. Answers the
   * length's change, or undefined when the head's write lost.
   */
  async #commit(
    key: string,
    plan: ChangePlan<T, K>,
    stored: SortedHead<T, K> | null,
  ): Promise<number | undefined> {
    // Chunks first: the pages after them name the chunks' refs, renumbered or not.
    const fresh = [
      ...plan.chunks.map((w) => ({
        ref: { n: w.ref.c },
        body: { items: w.items },
        set: (c: number) => (w.ref.c = c),
      })),
      ...plan.dirs.map((w) => ({
        ref: { n: w.ref.d },
        body: { chunks: w.chunks },
        set: (d: number) => (w.ref.d = d),
      })),
    ];
    const inserted: string[] = [];
    let next = plan.head.next;
    for (const f of fresh) {
      next = await this.#insertFresh(key, f.ref, f.body, next);
      f.set(f.ref.n);
      inserted.push(chunkId(key, f.ref.n));
    }
    plan.head.next = next;
    if (!(await this.#writeHead(plan.head, stored?.v ?? 0, stored === null))) {
      await this.#delete(inserted);
      return undefined;
    }
    this.#heads?.changed([key]);
    await this.#delete(plan.drops.map((n) => chunkId(key, n)));
    return plan.delta;
  }

  /** One statement, by `_id` (our FerretDB build serves an `$in` from the index). */
  async #delete(ids: string[]): Promise<void> {
    if (ids.length === 1) await this.docs.deleteOne({ _id: ids[0] as string });
    else if (ids.length > 1) await this.docs.deleteMany({ _id: { $in: ids } });
  }

  /**
   * Inserts a fresh chunk or page numbered `at.n`; a number already taken (a concurrent writer's
   * fresh document, or one a crash left) moves it on past every number this change uses. Answers
   * the head's next free number.
   */
  async #insertFresh(key: string, at: { n: number }, body: object, next: number): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.docs.insertOne({ _id: chunkId(key, at.n), v: 1, ...body } as SortedDoc<T, K>);
        return Math.max(next, at.n + 1);
      } catch (error) {
        if (!isDuplicateKeyError(error) || attempt >= 50) throw error;
        at.n = Math.max(next, at.n + 1);
      }
    }
  }

  async #writeHead(head: SortedHead<T, K>, v: number, create: boolean): Promise<boolean> {
    try {
      const result = create
        ? await this.docs.insertOne(head).then(() => ({ matchedCount: 1 }))
        : await this.docs.replaceOne({ _id: head._id, v }, head);
      return result.matchedCount > 0;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false; // two first writes raced
      throw error;
    }
  }
}
