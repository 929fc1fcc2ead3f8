import { isDuplicateKeyError, KeyLock } from '@im/store';
import type { Collection, Db } from 'mongodb';

/**
 * Sorted sets, one per string key, stored so that every read and write is a look-up by a string
 * `_id`, which FerretDB serves from its index (docs/ferretdb.md, "Lookups"):
 *
 * - the head, `_id: <key>`: `{v, n, next, chunks: [{c, min, n}], tail_min, items}`: the list's
 *   length, the directory of sealed chunks (chunk number, first key, entries) and the tail: the
 *   entries from `tail_min` on, inline, at most `chunkSize` of them;
 * - sealed chunks, `_id: <key>#<c>`: `{v, items}`, sorted, each covering the keys from its `min`
 *   up to the next chunk's.
 *
 * Entries arrive mostly at the end (ids are allocated increasing), so most changes rewrite the
 * head only; a full tail (`tailSize`) folds its older half into the last chunk, or seals it as a
 * new one when that chunk is full. A change inside a sealed chunk writes that chunk anew (under a
 * fresh number: chunks are copy-on-write) and then the head (the directory and counts). A chunk over twice the size splits; an empty
 * one is dropped (removals leave chunks smaller: a page then spans a few more of them). The head's
 * directory grows by one small entry per `chunkSize` entries (about 40 bytes per 200).
 *
 * A page is the head plus the chunks it overlaps (usually one or two). Writes of one key are
 * serialized in this process (fewer lost compare-and-sets), and heads and chunks are written
 * compare-and-set on their version `v` (a string-`_id` filter plus `v`), so copies of the service
 * cannot lose each other's changes on a server whose updates are atomic (MongoDB, our FerretDB
 * build: docs/ferretdb.md, "Updates"). A crash between a chunk's insert and its head's write
 * leaves an unnamed chunk behind, never a wrong count.
 */
export interface ChunkRef<K> {
  c: number;
  min: K;
  n: number;
}

export interface SortedHead<T, K> {
  _id: string;
  v: number;
  n: number;
  next: number;
  chunks: ChunkRef<K>[];
  tail_min: K | null;
  items: T[];
}

export interface SortedChunk<T> {
  _id: string;
  v: number;
  items: T[];
}

type SortedDoc<T, K> = SortedHead<T, K> | SortedChunk<T>;

export interface SortedPage<T> {
  total: number;
  items: T[];
}

/** One list's change: entries to insert or replace (by key), keys to remove, entries to patch. */
export interface SortedChange<T, K> {
  upsert?: readonly T[];
  remove?: readonly K[];
  /** Changes the entry with this key when it is there; never inserts. */
  patch?: { key: K; change: (entry: T) => T };
}

export interface SortedListsOptions<T, K> {
  keyOf: (entry: T) => K;
  chunkSize?: number;
  /**
   * Most entries inline in the head (default: a tenth of chunkSize, at least 4). FerretDB reads
   * and writes a document in time that grows with its size, and the head is read by every page
   * and written by every change: a full tail is folded into the last chunk, or sealed as a new one.
   */
  tailSize?: number;
  maxTimeMS?: number;
}

export const DEFAULT_CHUNK = 200;

const compare = <K>(a: K, b: K): number => (a < b ? -1 : a > b ? 1 : 0);

export class SortedLists<T, K extends string | number> {
  readonly docs: Collection<SortedDoc<T, K>>;
  readonly chunkSize: number;
  readonly tailSize: number;
  /** Upsert-only changes waiting for a key's lock: the next writer takes them all in one write. */
  readonly #queued = new Map<
    string,
    { upsert: T[]; done: Promise<number>; resolve: (n: number) => void; reject: (e: unknown) => void }
  >();
  readonly #keyOf: (entry: T) => K;
  readonly #locks = new KeyLock();
  readonly #read: { maxTimeMS?: number };

  constructor(db: Db, collection: string, options: SortedListsOptions<T, K>) {
    this.docs = db.collection<SortedDoc<T, K>>(collection);
    this.#keyOf = options.keyOf;
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
    if (!Number.isInteger(this.chunkSize) || this.chunkSize < 4) throw new Error('chunkSize must be ≥ 4');
    this.tailSize = Math.min(
      this.chunkSize,
      options.tailSize ?? Math.max(4, Math.floor(this.chunkSize / 10)),
    );
    this.#read = options.maxTimeMS === undefined ? {} : { maxTimeMS: options.maxTimeMS };
  }

  async count(key: string): Promise<number> {
    return (await this.#head(key))?.n ?? 0;
  }

  /** The list's version: 0 before its first entry, one more after every change (its head's `v`). */
  async version(key: string): Promise<number> {
    const head = await this.docs.findOne({ _id: key }, { ...this.#read, projection: { v: 1 } });
    return head?.v ?? 0;
  }

  /** `limit` entries after skipping `skip`, in key order. */
  async page(key: string, skip: number, limit: number): Promise<SortedPage<T>> {
    for (let attempt = 1; ; attempt++) {
      const head = await this.#head(key);
      if (!head) return { total: 0, items: [] };
      const items = await this.#range(key, head, skip, skip + Math.max(0, limit));
      if (items) return { total: head.n, items };
      if (attempt >= 5) throw new Error(`list ${key}: its chunks kept changing under the read`);
    }
  }

  /** Every entry, in key order. */
  async all(key: string): Promise<T[]> {
    return (await this.page(key, 0, Number.MAX_SAFE_INTEGER)).items;
  }

  /** The entries with these keys that are in the list. */
  async pick(key: string, keys: readonly K[]): Promise<Map<K, T>> {
    const found = new Map<K, T>();
    if (keys.length === 0) return found;
    for (let attempt = 1; ; attempt++) {
      const head = await this.#head(key);
      if (!head) return found;
      const segments = new Set(keys.map((k) => segmentOf(head, k)));
      const loaded = await this.#load(key, head, [...segments]);
      if (!loaded) {
        if (attempt >= 5) throw new Error(`list ${key}: its chunks kept changing under the read`);
        continue;
      }
      const wanted = new Set<K>(keys);
      for (const items of loaded.values()) {
        for (const e of items) if (wanted.has(this.#keyOf(e))) found.set(this.#keyOf(e), e);
      }
      return found;
    }
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

  #head(key: string): Promise<SortedHead<T, K> | null> {
    return this.docs.findOne({ _id: key }, this.#read) as Promise<SortedHead<T, K> | null>;
  }

  /** Items of the segments (chunk index, or -1 for the tail); undefined when a chunk vanished. */
  async #load(
    key: string,
    head: SortedHead<T, K>,
    segments: number[],
  ): Promise<Map<number, T[]> | undefined> {
    const out = new Map<number, T[]>();
    const docs = await Promise.all(
      segments.map((s) =>
        s < 0
          ? Promise.resolve({ items: head.items })
          : this.docs.findOne({ _id: chunkId(key, (head.chunks[s] as ChunkRef<K>).c) }, this.#read),
      ),
    );
    for (let i = 0; i < segments.length; i++) {
      const doc = docs[i];
      if (!doc) return undefined; // replaced by a writer after we read the head: read again
      out.set(segments[i] as number, doc.items);
    }
    return out;
  }

  /** Positions [from, to) in key order, from the head's counts. */
  async #range(key: string, head: SortedHead<T, K>, from: number, to: number): Promise<T[] | undefined> {
    const want: { s: number; lo: number; hi: number }[] = [];
    let at = 0;
    const sizes = [...head.chunks.map((c) => c.n), head.items.length];
    for (let s = 0; s < sizes.length && at < to; s++) {
      const size = sizes[s] as number;
      if (at + size > from && size > 0) {
        want.push({
          s: s === head.chunks.length ? -1 : s,
          lo: Math.max(from, at) - at,
          hi: Math.min(to, at + size) - at,
        });
      }
      at += size;
    }
    const loaded = await this.#load(
      key,
      head,
      want.map((w) => w.s),
    );
    if (!loaded) return undefined;
    return want.flatMap((w) => (loaded.get(w.s) ?? []).slice(w.lo, w.hi));
  }

  async #change(key: string, change: SortedChange<T, K>): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const result = await this.#attempt(key, change);
      if (result !== undefined) return result;
      if (attempt >= 50) throw new Error(`list ${key}: it kept changing under this write`);
    }
  }

  /** One read-change-write; undefined when a compare-and-set lost or a chunk vanished. */
  async #attempt(key: string, change: SortedChange<T, K>): Promise<number | undefined> {
    const stored = await this.#head(key);
    const head: SortedHead<T, K> = stored ?? {
      _id: key,
      v: 0,
      n: 0,
      next: 0,
      chunks: [],
      tail_min: null,
      items: [],
    };
    // Which segment each changed key belongs to.
    const bySegment = new Map<number, { upsert: T[]; remove: Set<K>; patch?: SortedChange<T, K>['patch'] }>();
    const slot = (s: number) => {
      const entry = bySegment.get(s) ?? { upsert: [], remove: new Set<K>() };
      bySegment.set(s, entry);
      return entry;
    };
    for (const e of change.upsert ?? []) slot(segmentOf(head, this.#keyOf(e))).upsert.push(e);
    for (const k of change.remove ?? []) slot(segmentOf(head, k)).remove.add(k);
    if (change.patch) slot(segmentOf(head, change.patch.key)).patch = change.patch;

    const segments = [...bySegment.keys()];
    const chunkDocs = new Map<number, SortedChunk<T> | null>();
    await Promise.all(
      segments
        .filter((s) => s >= 0)
        .map(async (s) => {
          const ref = head.chunks[s] as ChunkRef<K>;
          chunkDocs.set(s, await this.docs.findOne({ _id: chunkId(key, ref.c) }, this.#read));
        }),
    );
    for (const s of segments) if (s >= 0 && !chunkDocs.get(s)) return undefined;

    const apply = (items: T[], ops: { upsert: T[]; remove: Set<K>; patch?: SortedChange<T, K>['patch'] }) => {
      const map = new Map<K, T>(items.map((e) => [this.#keyOf(e), e]));
      for (const e of ops.upsert) map.set(this.#keyOf(e), e);
      for (const k of ops.remove) map.delete(k);
      if (ops.patch && map.has(ops.patch.key)) {
        map.set(ops.patch.key, ops.patch.change(map.get(ops.patch.key) as T));
      }
      return [...map.values()].sort((a, b) => compare(this.#keyOf(a), this.#keyOf(b)));
    };

    const size = this.chunkSize;
    let next = head.next;
    // The new directory, built segment by segment; chunk docs to write and to drop.
    const writes: ChunkWrite<T, K>[] = [];
    const drops: string[] = [];
    const chunks: ChunkRef<K>[] = [];
    for (let s = 0; s < head.chunks.length; s++) {
      const ref = head.chunks[s] as ChunkRef<K>;
      const ops = bySegment.get(s);
      if (!ops) {
        chunks.push(ref);
        continue;
      }
      const doc = chunkDocs.get(s) as SortedChunk<T>;
      const items = apply(doc.items, ops);
      if (items.length === 0) {
        drops.push(doc._id);
        continue;
      }
      // Over twice the size: split. Every part is a fresh chunk (copy on write, see below) and
      // the chunk it replaces goes once the head names the new ones.
      const parts = items.length > 2 * size ? split(items, size) : [items];
      parts.forEach((part, i) => {
        const at = { c: next++, min: i === 0 && s > 0 ? ref.min : this.#keyOf(part[0] as T), n: part.length };
        writes.push({ id: chunkId(key, at.c), items: part, fresh: at });
        chunks.push(at);
      });
      drops.push(doc._id);
    }
    // The first chunk covers every key below the second's `min`: keep its lower bound open.
    let tail = bySegment.has(-1) ? apply(head.items, bySegment.get(-1)!) : head.items;
    let tailMin = head.tail_min;
    if (chunks.length === 0) tailMin = null;
    if (tail.length > this.tailSize) {
      const keep = Math.floor(this.tailSize / 2);
      let sealing = tail.slice(0, tail.length - keep);
      // Folded into the last chunk while it has room: chunks fill up to `size`, the head stays small.
      const last = chunks[chunks.length - 1];
      const lastWritten = last ? writes.find((w) => w.fresh === last) : undefined;
      if (last && last.n + sealing.length <= size) {
        if (lastWritten) {
          lastWritten.items = [...lastWritten.items, ...sealing];
        } else {
          const doc = await this.docs.findOne({ _id: chunkId(key, last.c) }, this.#read);
          if (!doc) return undefined;
          const at = { c: next++, min: last.min, n: 0 };
          writes.push({ id: chunkId(key, at.c), items: [...doc.items, ...sealing], fresh: at });
          chunks[chunks.length - 1] = at;
          drops.push(doc._id);
        }
        const folded = writes.find((w) => w.fresh === chunks[chunks.length - 1]) as ChunkWrite<T, K>;
        folded.fresh.n = folded.items.length;
        sealing = [];
      }
      for (const part of sealing.length > 0 ? split(sealing, size) : []) {
        const at = { c: next++, min: this.#keyOf(part[0] as T), n: part.length };
        writes.push({ id: chunkId(key, at.c), items: part, fresh: at });
        chunks.push(at);
      }
      tail = tail.slice(tail.length - keep);
      tailMin = this.#keyOf(tail[0] as T);
    }
    const n = chunks.reduce((sum, c) => sum + c.n, 0) + tail.length;
    const nextHead: SortedHead<T, K> = {
      _id: key,
      v: head.v + 1,
      n,
      next,
      chunks,
      tail_min: chunks.length === 0 ? null : tailMin,
      items: tail,
    };

    // Copy on write: a chunk is never changed in place. Each changed chunk is inserted anew under
    // a number no chunk has, and only the head's compare-and-set makes it part of the list; the
    // chunk it replaces is deleted after. So a writer whose head write loses (another copy changed
    // the list meanwhile) leaves nothing behind but its own fresh chunks, which it deletes: no
    // entry it moved can stay both in a chunk and in the head's tail.
    const inserted: string[] = [];
    const lost = async () => {
      for (const id of inserted) await this.docs.deleteOne({ _id: id });
      return undefined;
    };
    for (const w of writes) {
      next = await this.#insertFresh(key, w, w.fresh, next);
      inserted.push(w.id);
    }
    nextHead.next = next;
    if (!(await this.#writeHead(nextHead, head.v, stored === null))) return lost();
    for (const id of drops) await this.docs.deleteOne({ _id: id });
    return n - head.n;
  }

  /**
   * Inserts a fresh chunk; a number already taken (a concurrent writer's fresh chunk, or one a
   * crash left) moves it on to the next one, in the head's directory entry `at` too. Answers the
   * head's next free number.
   */
  async #insertFresh(key: string, w: ChunkWrite<T, K>, at: ChunkRef<K>, next: number): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.docs.insertOne({ _id: w.id, v: 1, items: w.items });
        return Math.max(next, at.c + 1);
      } catch (error) {
        if (!isDuplicateKeyError(error) || attempt >= 50) throw error;
        at.c = Math.max(next, at.c + 1);
        w.id = chunkId(key, at.c);
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
      if ((error as { code?: number }).code === 11000) return false; // two first writes raced
      throw error;
    }
  }
}

/** A chunk to insert under a fresh number, and its entry in the new head's directory. */
interface ChunkWrite<T, K> {
  id: string;
  items: T[];
  fresh: ChunkRef<K>;
}

/** The segment a key belongs to: a chunk's index, or -1 for the tail. */
function segmentOf<T, K>(head: SortedHead<T, K>, k: K): number {
  const chunks = head.chunks;
  if (chunks.length === 0) return -1;
  if (head.tail_min !== null && compare(k, head.tail_min) >= 0) return -1;
  // The last chunk whose min ≤ k (the first chunk takes everything below the second's min).
  let lo = 0;
  let hi = chunks.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (compare((chunks[mid] as ChunkRef<K>).min, k) <= 0) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function split<T>(items: T[], size: number): T[][] {
  const parts: T[][] = [];
  for (let i = 0; i < items.length; i += size) parts.push(items.slice(i, i + size));
  // No runt at the end: fold a short last part into the one before.
  if (parts.length > 1 && (parts[parts.length - 1] as T[]).length < size / 2) {
    const last = parts.pop() as T[];
    (parts[parts.length - 1] as T[]).push(...last);
  }
  return parts;
}

export const chunkId = (key: string, c: number): string => `${key}#${c}`;
