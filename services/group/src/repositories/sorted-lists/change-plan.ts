import {
  type ChunkRef,
  compare,
  type DirRef,
  emptyHead,
  route,
  type SegmentOps,
  type SortedChange,
  type SortedChunk,
  type SortedHead,
  split,
} from './model.js';
import { dirEntries, type ListReader } from './reader.js';

export interface ListShape<T, K> {
  keyOf: (entry: T) => K;
  chunkSize: number;
  tailSize: number;
  dirSize: number;
}

/** A document to insert under a fresh number (`ref.c` of a chunk, `ref.d` of a page). */
export interface ChunkWrite<T, K> {
  items: T[];
  ref: ChunkRef<K>;
}
export interface DirWrite<K> {
  chunks: ChunkRef<K>[];
  ref: DirRef<K>;
}

/**
 * What one change writes: fresh chunks, then fresh directory pages (which name the chunks'
 * refs, so a chunk renumbered at its insert is named by its new number), then the head; after
 * the head's write, the numbers in `drops` (what the fresh documents replace) are deleted.
 */
export interface ChangePlan<T, K> {
  chunks: ChunkWrite<T, K>[];
  dirs: DirWrite<K>[];
  drops: number[];
  head: SortedHead<T, K>;
  /** How the list's length changes. */
  delta: number;
}

/**
 * Plans `change` on the list as `stored` has it, reading the directory pages and chunks the
 * change touches; undefined when one of them vanished meanwhile (read the head again).
 */
export async function planChange<T, K>(
  reader: ListReader<T, K>,
  shape: ListShape<T, K>,
  key: string,
  stored: SortedHead<T, K> | null,
  change: SortedChange<T, K>,
): Promise<ChangePlan<T, K> | undefined> {
  const { keyOf, chunkSize: size, tailSize, dirSize } = shape;
  const head = stored ?? emptyHead<T, K>(key);
  const dirs = dirEntries(head);
  const inTail = (k: K) => dirs.length === 0 || (head.tail_min !== null && compare(k, head.tail_min) >= 0);

  // Each changed key to the tail or to its directory entry (then, below, to its chunk there).
  const tailOps = newOps<T, K>();
  const keyed: { k: K; add: (ops: SegmentOps<T, K>) => void }[] = [];
  for (const e of change.upsert ?? []) keyed.push({ k: keyOf(e), add: (o) => o.upsert.push(e) });
  for (const k of change.remove ?? []) keyed.push({ k, add: (o) => o.remove.add(k) });
  const patch = change.patch;
  if (patch) {
    keyed.push({
      k: patch.key,
      add: (o) => {
        o.patch = patch;
      },
    });
  }
  const inDirs: typeof keyed = [];
  for (const op of keyed) {
    if (inTail(op.k)) op.add(tailOps);
    else inDirs.push(op);
  }
  const apply = (items: readonly T[], ops: SegmentOps<T, K>): T[] => {
    const map = new Map<K, T>(items.map((e) => [keyOf(e), e]));
    for (const e of ops.upsert) map.set(keyOf(e), e);
    for (const k of ops.remove) map.delete(k);
    if (ops.patch && map.has(ops.patch.key))
      map.set(ops.patch.key, ops.patch.change(map.get(ops.patch.key) as T));
    return [...map.values()].sort((a, b) => compare(keyOf(a), keyOf(b)));
  };
  let tail = apply(head.items, tailOps);
  const sealing = tail.length > tailSize;
  const lastDir = dirs.length - 1;
  const needed = new Set(inDirs.map(({ k }) => route(dirs, k)));
  if (sealing && lastDir >= 0) needed.add(lastDir);
  const directories = await reader.directories(key, head, [...needed]);
  if (!directories) return undefined;

  const chunkOps = new Map<number, SegmentOps<T, K>>(); // by chunk number
  for (const { k, add } of inDirs) {
    const refs = directories.get(route(dirs, k)) as ChunkRef<K>[];
    const c = (refs[route(refs, k)] as ChunkRef<K>).c;
    const ops = chunkOps.get(c) ?? newOps<T, K>();
    chunkOps.set(c, ops);
    add(ops);
  }
  const docs = await reader.numbered<SortedChunk<T>>(key, [...chunkOps.keys()]);
  if (!docs) return undefined;

  let next = head.next;
  const plan: ChangePlan<T, K> = { chunks: [], dirs: [], drops: [], head, delta: 0 };
  const fresh = (items: T[], min: K): ChunkRef<K> => {
    const ref = { c: next++, min, n: items.length };
    plan.chunks.push({ items, ref });
    return ref;
  };
  const freshDir = (chunks: ChunkRef<K>[], min: K): DirRef<K> => {
    const ref = { d: next++, min, n: chunks.reduce((sum, c) => sum + c.n, 0) };
    plan.dirs.push({ chunks, ref });
    return ref;
  };
  // The touched directories anew: a changed chunk is written under a fresh number (copy on
  // write), split when over twice the size, dropped when empty.
  const rewritten = new Map<number, ChunkRef<K>[]>();
  for (const i of needed) {
    const out: ChunkRef<K>[] = [];
    for (const [s, ref] of (directories.get(i) as ChunkRef<K>[]).entries()) {
      const ops = chunkOps.get(ref.c);
      if (!ops) {
        out.push(ref);
        continue;
      }
      plan.drops.push(ref.c);
      const items = apply((docs.get(ref.c) as SortedChunk<T>).items, ops);
      const parts = items.length === 0 ? [] : items.length > 2 * size ? split(items, size) : [items];
      // Each chunk after the first keeps its lower bound: keys between it and its first entry are its.
      for (const [p, part] of parts.entries())
        out.push(fresh(part, p === 0 && s > 0 ? ref.min : keyOf(part[0] as T)));
    }
    rewritten.set(i, out);
  }

  if (sealing) {
    // A full tail's older part goes into the last chunk while it has room, else into new chunks.
    const keep = Math.floor(tailSize / 2);
    const sealed = tail.slice(0, tail.length - keep);
    tail = tail.slice(tail.length - keep);
    const at = Math.max(0, lastDir);
    const refs = rewritten.get(at) ?? [];
    const last = refs[refs.length - 1];
    if (last && last.n + sealed.length <= size) {
      const written = plan.chunks.find((w) => w.ref === last);
      if (written) {
        written.items = [...written.items, ...sealed];
        written.ref.n = written.items.length;
      } else {
        const found = await reader.numbered<SortedChunk<T>>(key, [last.c]);
        if (!found) return undefined;
        plan.drops.push(last.c);
        refs[refs.length - 1] = fresh([...(found.get(last.c) as SortedChunk<T>).items, ...sealed], last.min);
      }
    } else {
      for (const part of split(sealed, size)) refs.push(fresh(part, keyOf(part[0] as T)));
    }
    rewritten.set(at, refs);
  }

  const nextHead: SortedHead<T, K> = { _id: key, v: head.v + 1, n: 0, next: 0, tail_min: null, items: tail };
  if (!head.dirs?.length) {
    // Inline until the directory outgrows a page; then paged until the list has no chunks.
    const refs = rewritten.get(0) ?? head.chunks ?? [];
    if (refs.length <= dirSize) nextHead.chunks = refs;
    else nextHead.dirs = split(refs, dirSize).map((part) => freshDir(part, (part[0] as ChunkRef<K>).min));
  } else {
    nextHead.dirs = head.dirs.flatMap((ref, i) => {
      const refs = rewritten.get(i);
      if (!refs) return [ref];
      plan.drops.push(ref.d);
      const parts = refs.length === 0 ? [] : refs.length > 2 * dirSize ? split(refs, dirSize) : [refs];
      return parts.map((part, p) => freshDir(part, p === 0 ? ref.min : (part[0] as ChunkRef<K>).min));
    });
  }
  // Pages are dropped with their last chunk: either form names none exactly when there are none.
  const listed = nextHead.dirs ?? nextHead.chunks ?? [];
  nextHead.n = listed.reduce((sum, r) => sum + r.n, 0) + tail.length;
  nextHead.tail_min = listed.length === 0 ? null : sealing ? keyOf(tail[0] as T) : head.tail_min;
  nextHead.next = next;
  plan.head = nextHead;
  plan.delta = nextHead.n - head.n;
  return plan;
}

const newOps = <T, K>(): SegmentOps<T, K> => ({ upsert: [], remove: new Set<K>() });
