import type { Collection } from 'mongodb';
import { isDuplicateKeyError } from './duplicate-key.js';
import { bucketId, headId, type KeyedList, type ListBucket, type ListHead } from './keyed-list.js';

/**
 * Writes a whole list at once (a conversion from another layout), as appends of `entries` in
 * order would have left it: sealed buckets of `bucketSize`, the rest in the head (1 to
 * `bucketSize` entries, as a head is sealed only by the append after it fills), and `recent`
 * from `idOf`. Every document is a function of the entries alone and goes in by insert: buckets
 * first, the head last, so a list is there once its head is, a rerun after a crash inserts the
 * same documents again (the ones there are kept), and two copies loading the same list write
 * the same list. False, and nothing written, when the key has a head already. For lists without
 * `seqField` or `sortBy` (whose entries appends would change): entries are stored as given.
 */
export async function loadList<T>(
  list: KeyedList<T>,
  key: string,
  entries: readonly T[],
  idOf?: (entry: T) => string | number,
): Promise<boolean> {
  const heads = list.docs as unknown as Collection<ListHead<T>>;
  if (entries.length === 0 || (await heads.findOne({ _id: headId(key) }, { projection: { _id: 1 } }))) {
    return false;
  }
  const size = list.bucketSize;
  const headStart = Math.floor((entries.length - 1) / size) * size;
  const buckets = list.docs as unknown as Collection<ListBucket<T>>;
  for (let k = 0; k * size < headStart; k++) {
    await insertUnlessThere(buckets, {
      _id: bucketId(key, k),
      items: entries.slice(k * size, (k + 1) * size),
      from: 0,
    });
  }
  const items = entries.slice(headStart);
  const head: ListHead<T> = { _id: headId(key), n: entries.length, items, w: 1 };
  if (idOf) head.recent = { ids: entries.slice(Math.max(0, headStart - size)).map(idOf) };
  return insertUnlessThere(heads, head);
}

async function insertUnlessThere<D extends { _id: string }>(docs: Collection<D>, doc: D): Promise<boolean> {
  try {
    await docs.insertOne(doc as never);
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}
