import type { Collection, Db, Document } from 'mongodb';
import { isDuplicateKeyError } from './duplicate-key.js';
import { findByIds } from './find-by-ids.js';
import { KeyLock } from './key-lock.js';
import { PageCache } from './page-cache.js';
import { isFerretdb } from './server-kind.js';

/** A compare-and-set on a version field that older documents may lack. */
const versionIs = (v: number | undefined): unknown => v ?? { $exists: false };

/**
 * The newest entries of one list, with the list's length: `_id` is the list's key. `items` holds
 * positions [n - items.length, n), oldest first; the start is a multiple of the bucket size.
 */
export interface ListHead<T> {
  _id: string;
  n: number;
  items: T[];
  /**
   * Writes of the head so far (absent on heads no write has counted yet): every write of the head
   * moves it, and those that rewrite the head are a compare-and-set on it, so a change of an entry
   * in place (`update`, which leaves `n` as it is) is not lost to a concurrent write either.
   */
  w?: number;
  /**
   * Ids (idOf) of the last sealed bucket's entries, then of the head's, in order: the redelivery
   * check reads no bucket, and appendOne's filter can hold it. A flat array of scalars, because
   * FerretDB 1.24 negates a path through an array of documents wrongly (nested in `recent`, as
   * stored heads have it).
   */
  recent?: { ids: (string | number)[] };
}

/** A sealed bucket: positions [k·size, (k+1)·size) of the list `<key>`, `_id` `<key>#<k>`. */
export interface ListBucket<T> {
  _id: string;
  items: T[];
  /** Changes of its entries so far (absent until the first): `update` is a compare-and-set on it. */
  v?: number;
  /** The head's `w` when it was sealed from it (absent on older buckets): see `#seal`. */
  from?: number;
}

export type ListDoc<T> = ListHead<T> | ListBucket<T>;

export interface ListPage<T> {
  total: number;
  items: T[];
}

export interface KeyedListOptions<T> {
  /**
   * Entries per sealed bucket. Small buckets keep the head small, and FerretDB's cost of a write
   * grows with the document it rewrites; large ones keep a page within fewer look-ups.
   */
  bucketSize?: number;
  /** The most entries a page may ask for; default: one bucket (a page then reads ≤ 2 and the head). */
  maxPage?: number;
  /**
   * The list's order, oldest first, by these fields (each ascending): an entry that arrives late
   * (two fan-outs finishing out of order) takes its place among the head's entries. One older
   * than the whole head goes at the head's start. Default: arrival order.
   */
  sortBy?: readonly (keyof T & string)[];
  /**
   * An entry's identity: `append` skips an entry whose id is already among the list's newest
   * positions (the head and the last sealed bucket), so a redelivered write is not listed twice.
   */
  idOf?: (entry: T) => string | number;
  /**
   * The field of an entry that holds its id (instead of `idOf`): `appendOne` then checks and
   * appends in one round trip, the check inside the update's filter.
   */
  idField?: keyof T & string;
  /**
   * A field every appended entry gets: its place in arrival order, from 1 (the list's `n` just
   * after it), assigned by the head's own write, so it is unique and gap-free per key. `since`
   * pages by it. Every append then reads and writes the head (no one-round-trip `$push`).
   */
  seqField?: keyof T & string;
  /** maxTimeMS of the reads (queryLimit). */
  maxTimeMS?: number;
  /**
   * Sealed parts of pages kept per process (PageCache, at the head's `w`), so a page read again
   * while its list has not changed reads the head alone: at most `pages` of them, holding at most
   * `chars` characters of their entries' JSON (entries such as messages are not small). Default:
   * none kept.
   */
  cache?: { pages: number; chars: number };
  /**
   * Told after every write of a key's head (an append, a seal, a touch, a change in place), so a
   * caller that keeps something of the head (its `w`, say: KeptValues) forgets it in every copy.
   */
  headChanged?: (key: string) => void;
}

export interface SincePage<T> {
  /** The list's newest seq (its length). */
  last: number;
  /** Entries with seq in (after, after + limit], by seq. */
  items: T[];
  /** Entries after the last one returned exist. */
  more: boolean;
}

export const DEFAULT_BUCKET_SIZE = 100;

/**
 * Append-only lists, one per key, stored so that every read and write is a look-up by a string
 * `_id` (docs/ferretdb.md, "Lookups"). A page is the head plus at most two sealed buckets, however
 * long the list; an append rewrites the head (at most `bucketSize` entries) and, every
 * `bucketSize` entries, inserts a sealed bucket.
 *
 * Writes of one key are serialized in this process (fewer lost compare-and-sets), and every write
 * is one atomic statement: a `$push` and `$inc`, or a compare-and-set on the head's `n` and `w` (a
 * bucket's `v`), so copies of a service cannot lose each other's entries on a server whose updates
 * are atomic (MongoDB, our FerretDB build: docs/ferretdb.md, "Updates").
 */
export class KeyedList<T> {
  readonly docs: Collection<ListDoc<T>>;
  readonly bucketSize: number;
  readonly maxPage: number;
  readonly #idOf: ((entry: T) => string | number) | undefined;
  readonly #idField: (keyof T & string) | undefined;
  readonly #sortBy: readonly (keyof T & string)[];
  readonly #seqField: (keyof T & string) | undefined;
  readonly #read: { maxTimeMS?: number };
  readonly #locks = new KeyLock();
  readonly #db: Db;
  readonly #pages: PageCache<T> | undefined;
  readonly #headChanged: (key: string) => void;

  constructor(db: Db, collection: string, options: KeyedListOptions<T> = {}) {
    this.#db = db;
    this.docs = db.collection<ListDoc<T>>(collection);
    this.bucketSize = options.bucketSize ?? DEFAULT_BUCKET_SIZE;
    if (!Number.isInteger(this.bucketSize) || this.bucketSize < 1) throw new Error('bucketSize must be ≥ 1');
    this.maxPage = options.maxPage ?? this.bucketSize;
    this.#idField = options.idField;
    this.#sortBy = options.sortBy ?? [];
    this.#seqField = options.seqField;
    const field = options.idField;
    this.#idOf = field ? (entry: T) => entry[field] as string | number : options.idOf;
    this.#read = options.maxTimeMS === undefined ? {} : { maxTimeMS: options.maxTimeMS };
    const cache = options.cache;
    this.#headChanged = options.headChanged ?? (() => {});
    this.#pages =
      cache && cache.pages > 0 ? new PageCache<T>(cache.pages, { budget: { max: cache.chars } }) : undefined;
  }

  /** Appends `entries` in order; answers how many were new (the rest were already listed). */
  append(key: string, entries: readonly T[]): Promise<number> {
    return this.appendListed(key, entries).then((added) => added.length);
  }

  /** As `append`, answering the entries it listed, as stored (with their seq when `seqField` is set). */
  appendListed(key: string, entries: readonly T[]): Promise<T[]> {
    if (entries.length === 0) return Promise.resolve([]);
    return this.#locks.run(key, () => this.#append(key, entries));
  }

  /**
   * Appends one entry unless its id is among the newest positions. In one round trip (unless the
   * list has a `seqField`, or an order on FerretDB: #cannotPushSorted): a find-and-update whose
   * filter holds the check (`idField` must be set); a head that grows past a bucket is sealed
   * right after. Answers whether the entry was new.
   */
  appendOne(key: string, entry: T): Promise<boolean> {
    const field = this.#idField;
    if (!field) return this.append(key, [entry]).then((n) => n > 0);
    return this.#locks.run(key, async () => {
      if (this.#seqField || (await this.#cannotPushSorted()))
        return (await this.#append(key, [entry])).length > 0;
      const id = entry[field] as string | number;
      for (let attempt = 1; ; attempt++) {
        let head: ListHead<T> | null;
        try {
          head = (await this.docs.findOneAndUpdate(
            { _id: headId(key), 'recent.ids': { $ne: id } },
            { $push: { items: this.#pushed(entry), 'recent.ids': id }, $inc: { n: 1, w: 1 } } as never,
            { upsert: true, returnDocument: 'after' },
          )) as ListHead<T> | null;
        } catch (error) {
          // The filter matched no head, so the upsert's insert met an existing `_id`: the head
          // lists the id already, or another writer created the head a moment ago.
          if (!isDuplicateKeyError(error) || attempt >= 5) throw error;
          const now = await this.#head(key);
          if (now && (await this.#recentIds(key, now)).has(id)) return false;
          continue;
        }
        this.#headChanged(key);
        if (head && head.items.length > this.bucketSize) await this.#sealFull(key);
        return true;
      }
    });
  }

  /**
   * Appends an entry the caller knows is not listed (its own guard said so, such as an insert
   * the unique `_id` accepted): one find-and-update by `_id` alone, with no check, which FerretDB
   * finds through its index too; a head grown past a bucket is sealed right after.
   */
  appendFresh(key: string, entry: T): Promise<void> {
    return this.#locks.run(key, async () => {
      if (this.#seqField || (await this.#cannotPushSorted())) {
        await this.#append(key, [entry]);
        return;
      }
      const push: Document = { items: this.#pushed(entry) };
      if (this.#idOf) push['recent.ids'] = this.#idOf(entry);
      for (let attempt = 1; ; attempt++) {
        try {
          const head = (await this.docs.findOneAndUpdate(
            { _id: headId(key) },
            { $push: push, $inc: { n: 1, w: 1 } } as never,
            { upsert: true, returnDocument: 'after' },
          )) as ListHead<T> | null;
          this.#headChanged(key);
          if (head && head.items.length > this.bucketSize) await this.#sealFull(key);
          return;
        } catch (error) {
          // Two first appends from two processes: the other created the head; push onto it.
          if (!isDuplicateKeyError(error) || attempt >= 3) throw error;
        }
      }
    });
  }

  /**
   * Raises the head's `w` and changes nothing else: for a caller that keeps what it builds from a
   * page together with documents of its own beside the list (`head`), after it changed those. No
   * head, nothing to raise: nothing was built from it.
   */
  async touch(key: string): Promise<void> {
    await this.docs.updateOne({ _id: headId(key) }, { $inc: { w: 1 } } as never);
    this.#headChanged(key);
  }

  /** Changes the entry at `position` (0 = oldest); false when the list is shorter. */
  update(key: string, position: number, change: (entry: T) => T): Promise<boolean> {
    return this.#locks.run(key, () => this.#update(key, position, change));
  }

  /**
   * Changes the newest entry that `match`es among the head and the last `buckets` sealed buckets
   * (a recent entry, such as the push whose event was just sent); false when none matches there.
   */
  updateNewest(
    key: string,
    match: (entry: T) => boolean,
    change: (entry: T) => T,
    buckets = 1,
  ): Promise<boolean> {
    return this.#locks.run(key, async () => {
      const head = await this.#head(key);
      if (!head) return false;
      const i = head.items.findLastIndex(match);
      if (i >= 0) return this.#update(key, head.n - head.items.length + i, change);
      const headStart = head.n - head.items.length;
      for (
        let k = headStart / this.bucketSize - 1;
        k >= 0 && k >= headStart / this.bucketSize - buckets;
        k--
      ) {
        const bucket = await this.#bucket(key, k);
        const j = bucket?.items.findLastIndex(match) ?? -1;
        if (j >= 0) return this.#update(key, k * this.bucketSize + j, change);
      }
      return false;
    });
  }

  async count(key: string): Promise<number> {
    return (await this.#head(key))?.n ?? 0;
  }

  /** `limit` entries from the newest, after skipping `skip`; newest first. */
  async newestFirst(key: string, skip: number, limit: number): Promise<ListPage<T>> {
    return this.newestFirstOf(key, await this.#head(key), skip, limit);
  }

  /**
   * The list's head as it stands (null: an empty list), for a caller that keeps what it builds
   * from a page at the head's `w` (`touch`), and then reads the page from it (`newestFirstOf`).
   */
  head(key: string): Promise<ListHead<T> | null> {
    return this.#head(key);
  }

  /** As `newestFirst`, from a head just read (`head`). */
  async newestFirstOf(
    key: string,
    head: ListHead<T> | null,
    skip: number,
    limit: number,
  ): Promise<ListPage<T>> {
    const size = this.#checkLimit(limit);
    if (!head) return { total: 0, items: [] };
    const to = head.n - skip; // exclusive
    const from = Math.max(0, to - size);
    return { total: head.n, items: (await this.#range(key, head, from, to)).reverse() };
  }

  /** `limit` entries from the oldest, after skipping `skip`; oldest first. */
  async oldestFirst(key: string, skip: number, limit: number): Promise<ListPage<T>> {
    const size = this.#checkLimit(limit);
    const head = await this.#head(key);
    if (!head) return { total: 0, items: [] };
    const from = skip;
    const to = Math.min(head.n, from + size);
    return { total: head.n, items: await this.#range(key, head, from, to) };
  }

  /**
   * The entries whose seq (`seqField`) is above `after`, by seq, at most `limit`: what a reader who
   * has seen everything up to `after` has missed. A few look-ups by `_id`, however long the list.
   */
  async since(key: string, after: number, limit: number): Promise<SincePage<T>> {
    const field = this.#seqField;
    if (!field) throw new Error('since needs seqField');
    const head = await this.#head(key);
    const last = head?.n ?? 0;
    if (!head || after >= last) return { last, items: [], more: false };
    const upTo = Math.min(last, after + Math.max(1, limit));
    // The entry of seq s is in bucket ⌊(s - 1) / size⌋, or in the head while that bucket is not
    // sealed. A stamping write seals a full head first and takes only what fits, so the head it
    // writes starts at a multiple H of the size with H < s ≤ H + size: H = ⌊(s - 1) / size⌋·size.
    // `sortBy` moves an entry only within the head, and the head is sealed whole, as one bucket.
    // So seqs (after, upTo] are at positions [⌊after / size⌋·size, ⌈upTo / size⌉·size): the head
    // and at most two buckets for a page of up to a bucket (entries without a seq, written before
    // `seqField`, are left out by the filter).
    const size = this.bucketSize;
    const from = Math.floor(after / size) * size;
    const to = Math.min(last, Math.ceil(upTo / size) * size);
    const seqOf = (entry: T) => entry[field] as unknown as number;
    const items = (await this.#range(key, head, from, to))
      .filter((entry) => seqOf(entry) > after && seqOf(entry) <= upTo)
      .sort((a, b) => seqOf(a) - seqOf(b));
    return { last, items, more: upTo < last };
  }

  /** The entry at `position` (0 = oldest), or undefined. */
  async at(key: string, position: number): Promise<T | undefined> {
    const head = await this.#head(key);
    if (!head || position < 0 || position >= head.n) return undefined;
    return (await this.#range(key, head, position, position + 1))[0];
  }

  #checkLimit(limit: number): number {
    if (limit > this.maxPage) throw new Error(`a page holds at most ${this.maxPage} entries`);
    return Math.max(0, limit);
  }

  #head(key: string): Promise<ListHead<T> | null> {
    return this.docs.findOne({ _id: headId(key) }, this.#read) as Promise<ListHead<T> | null>;
  }

  #bucket(key: string, k: number): Promise<ListBucket<T> | null> {
    return this.docs.findOne({ _id: bucketId(key, k) }, this.#read);
  }

  /** Buckets `ks` (null where one is missing), in one statement (findByIds). */
  async #buckets(key: string, ks: readonly number[]): Promise<(ListBucket<T> | null)[]> {
    const ids = ks.map((k) => bucketId(key, k));
    const found = await findByIds(this.docs as unknown as Collection<ListBucket<T>>, ids, this.#read);
    return ids.map((id) => found.get(id) ?? null);
  }

  /** Positions [from, to), oldest first: the head's part from the head, the rest from ≤ 2 buckets. */
  async #range(key: string, head: ListHead<T>, from: number, to: number): Promise<T[]> {
    if (to <= from) return [];
    const headStart = head.n - head.items.length;
    const out: T[] = [];
    const sealedTo = Math.min(to, headStart);
    if (from < sealedTo) out.push(...(await this.#sealedRange(key, head, from, sealedTo)));
    if (to > headStart) out.push(...head.items.slice(Math.max(from, headStart) - headStart, to - headStart));
    return out;
  }

  /**
   * Positions [from, to) of the sealed buckets, from the page cache while the head's `w` is the
   * one they were read at. Sealed buckets change only by `update`, which raises the head's `w`
   * after the bucket (#update), and a head names only buckets sealed from it or before it (#seal):
   * at one `w`, the same buckets. Heads without `w` (written before it) are never cached.
   */
  async #sealedRange(key: string, head: ListHead<T>, from: number, to: number): Promise<T[]> {
    const cache = head.w === undefined ? undefined : this.#pages;
    const kept = cache?.get(key, from, to - from, head.w as number);
    if (kept) return kept;
    const size = this.bucketSize;
    const first = Math.floor(from / size);
    const last = Math.floor((to - 1) / size);
    const ks = Array.from({ length: last - first + 1 }, (_, i) => first + i);
    const buckets = await this.#buckets(key, ks);
    const out: T[] = [];
    ks.forEach((k, i) => {
      const items = buckets[i]?.items ?? [];
      const lo = Math.max(from, k * size) - k * size;
      const hi = Math.min(to, (k + 1) * size) - k * size;
      out.push(...items.slice(lo, hi));
    });
    cache?.set(key, from, to - from, head.w as number, out);
    return out;
  }

  /**
   * A head write never seals its own new entries: a full head is sealed as it is by the next
   * append, so every writer that read that head seals the same bucket, and one sealed from a head
   * that was written again meanwhile is replaced by the next seal (#seal).
   */
  async #append(key: string, entries: readonly T[]): Promise<T[]> {
    let remaining = [...entries];
    const added: T[] = [];
    for (let attempt = 1; remaining.length > 0; attempt++) {
      const head = (await this.#head(key)) ?? { _id: headId(key), n: 0, items: [] };
      if (this.#idOf) {
        const known = await this.#recentIds(key, head);
        remaining = remaining.filter((e) => !known.has(this.#idOf!(e)));
        if (remaining.length === 0) break;
      }
      const { items, sealedIds } = await this.#sealLeading(key, head, this.bucketSize - 1);
      const take = this.#stamped(remaining.slice(0, this.bucketSize - items.length), head.n);
      const next: ListHead<T> = {
        _id: headId(key),
        n: head.n + take.length,
        items: this.#placed(items, take),
      };
      if (this.#idOf) next.recent = { ids: [...sealedIds, ...next.items.map(this.#idOf)] };
      if (await this.#writeHead(key, head, next)) {
        remaining = remaining.slice(take.length);
        added.push(...take);
      } else if (attempt >= 50) {
        throw new Error(`list ${key}: the head kept changing under this write`);
      }
    }
    return added;
  }

  /** `entries` with their seq (`seqField`): the places n + 1, n + 2, … they are about to take. */
  #stamped(entries: T[], n: number): T[] {
    const field = this.#seqField;
    if (!field) return entries;
    return entries.map((entry, i) => ({ ...entry, [field]: n + i + 1 }));
  }

  async #update(key: string, position: number, change: (entry: T) => T): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      if (attempt > 20) throw new Error(`list ${key}: the head kept changing under this write`);
      const head = await this.#head(key);
      if (!head || position < 0 || position >= head.n) return false;
      const headStart = head.n - head.items.length;
      if (position < headStart) {
        // Sealed buckets are changed only here: a compare-and-set on the bucket's `v`.
        const k = Math.floor(position / this.bucketSize);
        const bucket = await this.#bucket(key, k);
        if (!bucket) return false;
        const items = [...bucket.items];
        const i = position - k * this.bucketSize;
        items[i] = change(items[i] as T);
        const buckets = this.docs as unknown as Collection<ListBucket<T>>;
        const result = await buckets.replaceOne({ _id: bucket._id, v: versionIs(bucket.v) } as never, {
          items,
          v: (bucket.v ?? 0) + 1,
          ...(bucket.from === undefined ? {} : { from: bucket.from }),
        });
        if (result.matchedCount === 0) continue;
        // The head's `w` moves with the bucket, so no copy's page cache answers the entry as it
        // was (#sealedRange). A crash before this write leaves it to the cache's age limit.
        await this.touch(key);
        return true;
      }
      const items = [...head.items];
      const i = position - headStart;
      items[i] = change(items[i] as T);
      if (await this.#writeHead(key, head, { ...head, items })) return true;
    }
  }

  /** The last sealed bucket's part of `recent`: the ids that are not the head's own. */
  #sealedIdsOf(head: ListHead<T>): (string | number)[] {
    const idOf = this.#idOf;
    if (!idOf) return [];
    const own = new Set(head.items.map(idOf));
    return (head.recent?.ids ?? []).filter((id) => !own.has(id));
  }

  /** The head's items with `entries` each put in its place (sortBy), or after them. */
  #placed(items: readonly T[], entries: readonly T[]): T[] {
    const out = [...items];
    for (const entry of entries) {
      let i = out.length;
      while (i > 0 && this.#compare(out[i - 1] as T, entry) > 0) i--;
      out.splice(i, 0, entry);
    }
    return out;
  }

  #compare(a: T, b: T): number {
    for (const field of this.#sortBy) {
      const x = a[field] as unknown;
      const y = b[field] as unknown;
      const [u, v] = x instanceof Date && y instanceof Date ? [x.getTime(), y.getTime()] : [x, y];
      if ((u as number) < (v as number)) return -1;
      if ((u as number) > (v as number)) return 1;
    }
    return 0;
  }

  /**
   * FerretDB 1.24 takes `$push: {$each}` but leaves out `$sort` without a word: a list with an
   * order is then appended to by reading and writing its head.
   */
  async #cannotPushSorted(): Promise<boolean> {
    return this.#sortBy.length > 0 && (await isFerretdb(this.#db));
  }

  /** What a `$push` appends: the entry, sorted into place when the list has an order. */
  #pushed(entry: T): unknown {
    if (this.#sortBy.length === 0) return entry;
    return { $each: [entry], $sort: Object.fromEntries(this.#sortBy.map((f) => [f, 1])) };
  }

  /** Ids of the head's entries and of the last sealed bucket's, for the redelivery check. */
  async #recentIds(key: string, head: ListHead<T>): Promise<Set<string | number>> {
    const ids = new Set<string | number>();
    if (!this.#idOf) return ids;
    for (const e of head.items) ids.add(this.#idOf(e));
    const headStart = head.n - head.items.length;
    if (head.recent) {
      for (const id of head.recent.ids) ids.add(id);
    } else if (headStart > 0) {
      const last = await this.#bucket(key, headStart / this.bucketSize - 1);
      for (const e of last?.items ?? []) ids.add(this.#idOf(e));
    }
    return ids;
  }

  /**
   * Seals the head's first `bucketSize` entries while it holds more (appendOne lets it grow by
   * one first). Under the key's lock; the head's write is a compare-and-set.
   */
  async #sealFull(key: string): Promise<void> {
    for (let attempt = 1; attempt <= 50; attempt++) {
      const head = await this.#head(key);
      if (!head || head.items.length <= this.bucketSize) return;
      const { items, sealedIds } = await this.#sealLeading(key, head, this.bucketSize);
      const next: ListHead<T> = { _id: head._id, n: head.n, items };
      if (this.#idOf) next.recent = { ids: [...sealedIds, ...items.map(this.#idOf)] };
      if (await this.#writeHead(key, head, next)) return;
    }
  }

  /**
   * Seals the head's leading buckets until at most `keep` of its entries are left; answers those
   * entries and the ids of the last bucket sealed (or the head's own record of them).
   */
  async #sealLeading(key: string, head: ListHead<T>, keep: number) {
    let items = head.items;
    let sealedIds = this.#sealedIdsOf(head);
    while (items.length > keep) {
      const full = items.slice(0, this.bucketSize);
      await this.#seal(key, (head.n - items.length) / this.bucketSize, full, head.w ?? 0);
      if (this.#idOf) sealedIds = full.map(this.#idOf);
      items = items.slice(this.bucketSize);
    }
    return { items, sealedIds };
  }

  /**
   * Inserts a sealed bucket, sealed from the head whose `w` is `from`. Already there from the same
   * head: the same entries. From an older head: an attempt that lost its compare-and-set (that
   * head was written again, an entry changed in place, say), which no head names: replaced. From a
   * newer head: this attempt's compare-and-set will lose. So the bucket a head names holds what
   * that head held, whichever writer inserted it first.
   */
  async #seal(key: string, k: number, items: T[], from: number): Promise<void> {
    const _id = bucketId(key, k);
    const buckets = this.docs as unknown as Collection<ListBucket<T>>;
    for (let attempt = 1; attempt <= 10; attempt++) {
      try {
        await buckets.insertOne({ _id, items, from });
        return;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      const there = await this.#bucket(key, k);
      if (!there) continue;
      if ((there.from ?? -1) >= from) return;
      const filter = { _id, from: versionIs(there.from), v: versionIs(there.v) };
      if ((await buckets.replaceOne(filter as never, { items, from })).matchedCount > 0) return;
    }
  }

  /**
   * Writes `next` over the head `read` (n 0 and no `w`: none yet); false when another writer wrote
   * the head first (a compare-and-set on its `n` and `w`).
   */
  async #writeHead(key: string, read: ListHead<T>, next: ListHead<T>): Promise<boolean> {
    const filter = { _id: read._id, n: read.n, w: versionIs(read.w) };
    try {
      const heads = this.docs as unknown as Collection<ListHead<T>>;
      const result = await heads.replaceOne(
        filter as never,
        { ...next, w: (read.w ?? 0) + 1 },
        { upsert: read.n === 0 },
      );
      const written = result.matchedCount + result.upsertedCount > 0;
      if (written) this.#headChanged(key);
      return written;
    } catch (error) {
      // Two first writes raced: the other created the head.
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }
}

/**
 * A list's keys become `_id`s through encodeURIComponent, which leaves no `#`: the key `a#1` and
 * bucket 1 of the key `a` can never share an `_id`.
 */
export const headId = (key: string): string => encodeURIComponent(key);
export const bucketId = (key: string, k: number): string => `${headId(key)}#${k}`;
