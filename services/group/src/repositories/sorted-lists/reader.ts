import { findByIds } from '@im/store';
import type { Collection } from 'mongodb';
import {
  type ChunkRef,
  chunkId,
  compare,
  overlapping,
  route,
  type SortedChunk,
  type SortedDirPage,
  type SortedDoc,
  type SortedHead,
} from './model.js';

/** A directory entry of the head as both forms have it: the inline form is one entry. */
export interface DirEntry<K> {
  min: K;
  n: number;
}

/** The head's directory entries: its pages, or one for its inline chunks (none without chunks). */
export function dirEntries<T, K>(head: SortedHead<T, K>): DirEntry<K>[] {
  if (head.dirs) return head.dirs;
  const chunks = head.chunks ?? [];
  const first = chunks[0];
  return first ? [{ min: first.min, n: chunks.reduce((sum, c) => sum + c.n, 0) }] : [];
}

/**
 * Reads of one SortedLists collection. Every read is by `_id`: the head by its key, pages and
 * chunks by their numbers, several at once as one `$in` (one round trip; our FerretDB build
 * serves it from the `_id` index, docs/ferretdb.md "Lookups"). A page or chunk the head names may
 * be gone when read (a writer replaced it after this head was read): the read answers undefined
 * and the caller reads the head again.
 */
export class ListReader<T, K> {
  constructor(
    readonly docs: Collection<SortedDoc<T, K>>,
    readonly options: { maxTimeMS?: number },
  ) {}

  head(key: string): Promise<SortedHead<T, K> | null> {
    return this.docs.findOne({ _id: key }, this.options) as Promise<SortedHead<T, K> | null>;
  }

  /** Pages or chunks by number; undefined when one of them is gone. */
  async numbered<D extends SortedChunk<T> | SortedDirPage<K>>(
    key: string,
    numbers: readonly number[],
  ): Promise<Map<number, D> | undefined> {
    const wanted = [...new Set(numbers)];
    const found = await findByIds(
      this.docs as unknown as Collection<D>,
      wanted.map((n) => chunkId(key, n)),
      this.options,
    );
    const out = new Map<number, D>();
    for (const n of wanted) {
      const doc = found.get(chunkId(key, n));
      if (!doc) return undefined;
      out.set(n, doc);
    }
    return out;
  }

  /** The chunk directories of the head's directory entries `indexes` (dirEntries order). */
  async directories(
    key: string,
    head: SortedHead<T, K>,
    indexes: readonly number[],
  ): Promise<Map<number, ChunkRef<K>[]> | undefined> {
    const out = new Map<number, ChunkRef<K>[]>();
    const dirs = head.dirs;
    if (!dirs) {
      for (const i of indexes) out.set(i, head.chunks ?? []);
      return out;
    }
    const pages = await this.numbered<SortedDirPage<K>>(
      key,
      indexes.map((i) => (dirs[i] as { d: number }).d),
    );
    if (!pages) return undefined;
    for (const i of indexes) out.set(i, (pages.get((dirs[i] as { d: number }).d) as SortedDirPage<K>).chunks);
    return out;
  }

  /** Positions [from, to) in key order; undefined when a page or chunk vanished. */
  async range(key: string, head: SortedHead<T, K>, from: number, to: number): Promise<T[] | undefined> {
    const dirs = dirEntries(head);
    const parts = overlapping([...dirs.map((d) => d.n), head.items.length], from, to);
    const inDirs = parts.filter((p) => p.i < dirs.length);
    const directories = await this.directories(
      key,
      head,
      inDirs.map((p) => p.i),
    );
    if (!directories) return undefined;
    const wants = inDirs.flatMap((p) => {
      const refs = directories.get(p.i) as ChunkRef<K>[];
      return overlapping(
        refs.map((r) => r.n),
        p.lo,
        p.hi,
      ).map((q) => ({ c: (refs[q.i] as ChunkRef<K>).c, lo: q.lo, hi: q.hi }));
    });
    const chunks = await this.numbered<SortedChunk<T>>(
      key,
      wants.map((w) => w.c),
    );
    if (!chunks) return undefined;
    const out = wants.flatMap((w) => (chunks.get(w.c) as SortedChunk<T>).items.slice(w.lo, w.hi));
    const tail = parts.find((p) => p.i === dirs.length);
    if (tail) out.push(...head.items.slice(tail.lo, tail.hi));
    return out;
  }

  /**
   * The items of the segments `keys` fall into, each under its key's segment: a chunk number, or
   * -1 for the tail; undefined when a page or chunk vanished.
   */
  async segmentsOf(
    key: string,
    head: SortedHead<T, K>,
    keys: readonly K[],
  ): Promise<Map<number, T[]> | undefined> {
    const dirs = dirEntries(head);
    const inTail = (k: K) => dirs.length === 0 || (head.tail_min !== null && compare(k, head.tail_min) >= 0);
    const dirOf = new Map<K, number>();
    for (const k of keys) if (!inTail(k)) dirOf.set(k, route(dirs, k));
    const directories = await this.directories(key, head, [...new Set(dirOf.values())]);
    if (!directories) return undefined;
    const numbers = [...dirOf].map(([k, i]) => {
      const refs = directories.get(i) as ChunkRef<K>[];
      return (refs[route(refs, k)] as ChunkRef<K>).c;
    });
    const chunks = await this.numbered<SortedChunk<T>>(key, numbers);
    if (!chunks) return undefined;
    const out = new Map<number, T[]>([...chunks].map(([c, doc]) => [c, doc.items]));
    if (keys.some(inTail)) out.set(-1, head.items);
    return out;
  }
}
