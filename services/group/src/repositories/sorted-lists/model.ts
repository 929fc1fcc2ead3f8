/**
 * The documents of a SortedLists collection (see sorted-lists.ts for how they are used):
 *
 * - the head, `_id: <key>`: the list's length `n`, version `v`, the next free document number,
 *   the tail (`items`, the entries from `tail_min` on, inline) and the directory of sealed
 *   chunks, in one of two forms: inline (`chunks`, while it has at most `dirSize` entries), or
 *   paged (`dirs`: one small entry per directory page, each page naming up to about `dirSize`
 *   chunks). So the head stays small however long the list grows: FerretDB reads a whole
 *   document whatever the projection, and every page and every change reads the head;
 * - directory pages, `_id: <key>#<d>`: `{v, chunks}`, the chunks of one range of keys;
 * - sealed chunks, `_id: <key>#<c>`: `{v, items}`, sorted. Pages and chunks draw their numbers
 *   from the head's one counter, so they never share an `_id`.
 *
 * Each directory entry covers the keys from its `min` up to the next entry's (the first one
 * everything below the second's), at both levels.
 */
export interface ChunkRef<K> {
  c: number;
  min: K;
  n: number;
}

/** A directory page's entry in the head: page number, first key, entries under it. */
export interface DirRef<K> {
  d: number;
  min: K;
  n: number;
}

export interface SortedHead<T, K> {
  _id: string;
  v: number;
  n: number;
  next: number;
  /** The inline directory (a head without `dirs`; absent on an empty list's first write). */
  chunks?: ChunkRef<K>[];
  /** The paged directory. */
  dirs?: DirRef<K>[];
  tail_min: K | null;
  items: T[];
}

export interface SortedChunk<T> {
  _id: string;
  v: number;
  items: T[];
}

export interface SortedDirPage<K> {
  _id: string;
  v: number;
  chunks: ChunkRef<K>[];
}

export type SortedDoc<T, K> = SortedHead<T, K> | SortedChunk<T> | SortedDirPage<K>;

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

/** A change's part that falls into one segment (a chunk, or the tail). */
export interface SegmentOps<T, K> {
  upsert: T[];
  remove: Set<K>;
  patch?: SortedChange<T, K>['patch'];
}

export const emptyHead = <T, K>(key: string): SortedHead<T, K> => ({
  _id: key,
  v: 0,
  n: 0,
  next: 0,
  chunks: [],
  tail_min: null,
  items: [],
});

export const compare = <K>(a: K, b: K): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The index of the entry a key belongs to: the last whose `min` ≤ k, the first for keys below
 * the second's `min`. `entries` must not be empty.
 */
export function route<K>(entries: readonly { min: K }[], k: K): number {
  let lo = 0;
  let hi = entries.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (compare((entries[mid] as { min: K }).min, k) <= 0) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Parts of `size` (no runt at the end: a short last part is folded into the one before). */
export function split<T>(items: readonly T[], size: number): T[][] {
  const parts: T[][] = [];
  for (let i = 0; i < items.length; i += size) parts.push(items.slice(i, i + size));
  if (parts.length > 1 && (parts[parts.length - 1] as T[]).length < size / 2) {
    const last = parts.pop() as T[];
    (parts[parts.length - 1] as T[]).push(...last);
  }
  return parts;
}

/** The parts of positions [from, to) that fall into each of consecutive segments of `sizes`. */
export function overlapping(
  sizes: readonly number[],
  from: number,
  to: number,
): { i: number; lo: number; hi: number }[] {
  const out: { i: number; lo: number; hi: number }[] = [];
  let at = 0;
  for (let i = 0; i < sizes.length && at < to; i++) {
    const size = sizes[i] as number;
    if (at + size > from && size > 0) {
      out.push({ i, lo: Math.max(from, at) - at, hi: Math.min(to, at + size) - at });
    }
    at += size;
  }
  return out;
}

/** A chunk's or a directory page's `_id` (numbers from one counter per key). */
export const chunkId = (key: string, c: number): string => `${key}#${c}`;
