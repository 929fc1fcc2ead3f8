import { type MongoDatabase, startMongoDb } from '@im/testkit';
import type { Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketId, KeyedList } from '../src/index.js';

/**
 * The page cache of KeyedList (`cache`), on the MongoDB-wire server the tests use: two
 * instances over one collection stand for two copies of a service. A bucket changed behind the
 * lists' back (a raw write) shows whether a page came from the cache; changes through either copy
 * must always show.
 */
let store: MongoDatabase;
let db: Db;

interface Entry {
  id: number;
  note: string;
}

const entry = (id: number, note = `e${id}`): Entry => ({ id, note });
const ids = (page: { items: Entry[] }) => page.items.map((e) => e.id);
const notes = (page: { items: Entry[] }) => page.items.map((e) => e.note);

beforeAll(async () => {
  store = await startMongoDb('keyed-list-cache');
  db = store.db;
}, 60_000);

afterAll(async () => {
  await store?.stop();
});

const copies = (collection: string) => {
  const options = { bucketSize: 4, idField: 'id' as const, cache: { pages: 10, chars: 100_000 } };
  return [
    new KeyedList<Entry>(db, collection, options),
    new KeyedList<Entry>(db, collection, options),
  ] as const;
};

describe('KeyedList page cache', () => {
  it('answers the sealed part of a page again from the cache while the head is unchanged', async () => {
    const [a] = copies('cache-hit');
    for (let id = 0; id < 10; id++) await a.appendOne('k', entry(id));
    expect(ids(await a.newestFirst('k', 0, 4))).toEqual([9, 8, 7, 6]);
    // Changed behind the list's back: the head is the same, so the kept page is the answer.
    await db
      .collection('cache-hit')
      .updateOne({ _id: bucketId('k', 1) } as never, { $set: { 'items.3.note': 'raw' } });
    expect(notes(await a.newestFirst('k', 0, 4))).toEqual(['e9', 'e8', 'e7', 'e6']);
    // A list without the option reads the bucket every time.
    const uncached = new KeyedList<Entry>(db, 'cache-hit', { bucketSize: 4, idField: 'id' });
    expect(notes(await uncached.newestFirst('k', 0, 4))).toEqual(['e9', 'e8', 'raw', 'e6']);
  });

  it('never answers a page another copy has changed since: an append, an entry changed in a sealed bucket', async () => {
    const [a, b] = copies('cache-copies');
    for (let id = 0; id < 10; id++) await a.appendOne('k', entry(id));
    expect(ids(await a.newestFirst('k', 2, 4))).toEqual([7, 6, 5, 4]);
    expect(ids(await a.oldestFirst('k', 0, 4))).toEqual([0, 1, 2, 3]);

    await b.appendOne('k', entry(10));
    expect(ids(await a.newestFirst('k', 2, 4))).toEqual([8, 7, 6, 5]);

    // Position 1 is in the first sealed bucket: `update` rewrites the bucket, not the head.
    expect(await b.update('k', 1, (e) => ({ ...e, note: 'changed' }))).toBe(true);
    expect(notes(await a.oldestFirst('k', 0, 4))).toEqual(['e0', 'changed', 'e2', 'e3']);

    // And the relay's kind of change: the newest match among the head and the last sealed bucket.
    expect(
      await b.updateNewest(
        'k',
        (e) => e.id === 6,
        (e) => ({ ...e, note: 'sent' }),
      ),
    ).toBe(true);
    expect(notes(await a.newestFirst('k', 2, 4))).toEqual(['e8', 'e7', 'sent', 'e5']);
  });

  it('keeps at most `cache.pages` pages, the least recently used going first', async () => {
    const list = new KeyedList<Entry>(db, 'cache-bound', {
      bucketSize: 2,
      idField: 'id',
      cache: { pages: 2, chars: 100_000 },
    });
    for (let id = 0; id < 9; id++) await list.appendOne('k', entry(id));
    for (const skip of [4, 6, 4]) await list.newestFirst('k', skip, 2); // kept: skip 6, then 4
    await list.newestFirst('k', 2, 2); // a third window: skip 6 goes
    const raw = db.collection('cache-bound');
    // Skip 4 is positions 3 and 4 (buckets 1 and 2), skip 6 positions 1 and 2 (buckets 0 and 1).
    await raw.updateOne({ _id: bucketId('k', 1) } as never, { $set: { 'items.1.note': 'raw' } });
    await raw.updateOne({ _id: bucketId('k', 0) } as never, { $set: { 'items.1.note': 'raw' } });
    expect(notes(await list.newestFirst('k', 4, 2))).toEqual(['e4', 'e3']); // kept: the raw write unseen
    expect(notes(await list.newestFirst('k', 6, 2))).toEqual(['e2', 'raw']); // evicted: read again
  });
});
