import { type MongoDatabase, startMongoDb } from '@im/testkit';
import type { Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketId, headId, KeyedList } from '../src/index.js';

/** Lists on the MongoDB-wire server the tests use: pages across bucket edges, redelivery, updates. */
let store: MongoDatabase;
let db: Db;

interface Entry {
  id: number;
  note: string;
}

const entry = (id: number): Entry => ({ id, note: `e${id}` });
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

beforeAll(async () => {
  store = await startMongoDb('keyed-list');
  db = store.db;
}, 60_000);

afterAll(async () => {
  await store?.stop();
});

describe('KeyedList', () => {
  it('pages newest and oldest first across sealed buckets and the head', async () => {
    const list = new KeyedList<Entry>(db, 'pages', { bucketSize: 4, idOf: (e) => e.id });
    for (const id of range(0, 10)) await list.append('k', [entry(id)]);
    expect(await list.count('k')).toBe(10);
    const newest = await list.newestFirst('k', 0, 4);
    expect(newest).toEqual({ total: 10, items: [9, 8, 7, 6].map(entry) });
    expect((await list.newestFirst('k', 3, 4)).items.map((e) => e.id)).toEqual([6, 5, 4, 3]);
    expect((await list.newestFirst('k', 8, 4)).items.map((e) => e.id)).toEqual([1, 0]);
    expect((await list.newestFirst('k', 10, 4)).items).toEqual([]);
    expect((await list.oldestFirst('k', 2, 4)).items.map((e) => e.id)).toEqual([2, 3, 4, 5]);
    expect((await list.oldestFirst('k', 7, 4)).items.map((e) => e.id)).toEqual([7, 8, 9]);
    expect((await list.at('k', 5))?.id).toBe(5);
    // Two sealed buckets of 4, the head holds positions 8 and 9.
    const raw = db.collection<{ _id: string; items: Entry[]; n?: number }>('pages');
    expect((await raw.findOne({ _id: bucketId('k', 0) }))?.items.map((e) => e.id)).toEqual([0, 1, 2, 3]);
    expect((await raw.findOne({ _id: bucketId('k', 1) }))?.items.map((e) => e.id)).toEqual([4, 5, 6, 7]);
    expect(await raw.findOne({ _id: headId('k') })).toMatchObject({ n: 10, items: [entry(8), entry(9)] });
  });

  it('appends many at once in order, and an unknown key is an empty list', async () => {
    const list = new KeyedList<Entry>(db, 'many', { bucketSize: 3 });
    expect(await list.append('k', range(0, 8).map(entry))).toBe(8);
    expect((await list.oldestFirst('k', 0, 3)).items.map((e) => e.id)).toEqual([0, 1, 2]);
    expect((await list.newestFirst('k', 0, 3)).items.map((e) => e.id)).toEqual([7, 6, 5]);
    expect(await list.newestFirst('nobody', 0, 3)).toEqual({ total: 0, items: [] });
  });

  it('does not list a redelivered entry twice, even once its bucket is sealed', async () => {
    const list = new KeyedList<Entry>(db, 'redelivery', { bucketSize: 2, idOf: (e) => e.id });
    await list.append('k', [entry(1), entry(2)]);
    await list.append('k', [entry(3)]); // seals [1, 2]
    expect(await list.append('k', [entry(2), entry(3), entry(4)])).toBe(1);
    expect((await list.oldestFirst('k', 0, 2)).items.map((e) => e.id)).toEqual([1, 2]);
    expect((await list.newestFirst('k', 0, 2)).items.map((e) => e.id)).toEqual([4, 3]);
    expect(await list.count('k')).toBe(4);
  });

  it('keeps every entry of concurrent appends to one key', async () => {
    const list = new KeyedList<Entry>(db, 'concurrent', { bucketSize: 5, idOf: (e) => e.id });
    await Promise.all(range(0, 23).map((id) => list.append('k', [entry(id)])));
    const seen = [
      ...(await list.oldestFirst('k', 0, 5)).items,
      ...(await list.oldestFirst('k', 5, 5)).items,
      ...(await list.oldestFirst('k', 10, 5)).items,
      ...(await list.oldestFirst('k', 15, 5)).items,
      ...(await list.oldestFirst('k', 20, 5)).items,
    ].map((e) => e.id);
    expect(seen.sort((a, b) => a - b)).toEqual(range(0, 23));
    expect(await list.count('k')).toBe(23);
  });

  it('updates an entry in the head, in a sealed bucket, and the newest match', async () => {
    const list = new KeyedList<Entry>(db, 'updates', { bucketSize: 2, idOf: (e) => e.id });
    await list.append('k', range(0, 5).map(entry));
    expect(await list.update('k', 4, (e) => ({ ...e, note: 'head' }))).toBe(true);
    expect(await list.update('k', 1, (e) => ({ ...e, note: 'sealed' }))).toBe(true);
    expect(await list.update('k', 9, (e) => e)).toBe(false);
    expect(
      await list.updateNewest(
        'k',
        (e) => e.id === 3,
        (e) => ({ ...e, note: 'recent' }),
      ),
    ).toBe(true);
    expect(
      await list.updateNewest(
        'k',
        (e) => e.id === 0,
        (e) => e,
      ),
    ).toBe(false); // beyond one sealed bucket
    const all = [...(await list.oldestFirst('k', 0, 2)).items, ...(await list.oldestFirst('k', 2, 2)).items];
    expect(all.map((e) => e.note)).toEqual(['e0', 'sealed', 'e2', 'recent']);
    expect((await list.at('k', 4))?.note).toBe('head');
  });

  it('keeps keys that differ only by "#" apart from each other\'s buckets', async () => {
    const list = new KeyedList<Entry>(db, 'keys', { bucketSize: 1 });
    await list.append('a', [entry(1), entry(2)]); // seals bucket 0 of "a"
    await list.append('a#0', [entry(9)]);
    expect((await list.oldestFirst('a', 0, 1)).items).toEqual([entry(1)]);
    expect(await list.oldestFirst('a#0', 0, 1)).toEqual({ total: 1, items: [entry(9)] });
  });

  it('refuses a page larger than a bucket', async () => {
    const list = new KeyedList<Entry>(db, 'limits', { bucketSize: 2 });
    await expect(list.newestFirst('k', 0, 3)).rejects.toThrow(/at most 2/);
  });
});

describe('KeyedList.appendOne', () => {
  it('appends in one round trip, seals past a bucket and skips an id it lists', async () => {
    const list = new KeyedList<Entry>(db, 'one', { bucketSize: 3, idField: 'id' });
    for (const id of range(0, 8)) expect(await list.appendOne('k', entry(id))).toBe(true);
    expect(await list.appendOne('k', entry(7))).toBe(false); // in the head
    expect(await list.appendOne('k', entry(4))).toBe(false); // in the last sealed bucket
    expect(await list.count('k')).toBe(8);
    const all = [
      ...(await list.oldestFirst('k', 0, 3)).items,
      ...(await list.oldestFirst('k', 3, 3)).items,
      ...(await list.oldestFirst('k', 6, 3)).items,
    ];
    expect(all.map((e) => e.id)).toEqual(range(0, 8));
    expect((await list.newestFirst('k', 0, 3)).items.map((e) => e.id)).toEqual([7, 6, 5]);
    const raw = db.collection<{ _id: string; items: Entry[] }>('one');
    expect((await raw.findOne({ _id: bucketId('k', 1) }))?.items.map((e) => e.id)).toEqual([3, 4, 5]);
  });

  it('keeps every entry of concurrent first appends to one key', async () => {
    const list = new KeyedList<Entry>(db, 'one-concurrent', { bucketSize: 4, idField: 'id' });
    const added = await Promise.all(range(0, 13).map((id) => list.appendOne('k', entry(id))));
    expect(added.every(Boolean)).toBe(true);
    const seen = [0, 4, 8, 12].map((skip) => list.oldestFirst('k', skip, 4));
    const ids = (await Promise.all(seen)).flatMap((p) => p.items.map((e) => e.id));
    expect(ids.sort((a, b) => a - b)).toEqual(range(0, 13));
  });
});

describe('KeyedList.appendFresh', () => {
  it('appends without a check, seals past a bucket, and pages across many buckets', async () => {
    const list = new KeyedList<Entry>(db, 'fresh', { bucketSize: 2, maxPage: 5, idField: 'id' });
    for (const id of range(0, 7)) await list.appendFresh('k', entry(id));
    expect(await list.count('k')).toBe(7);
    expect((await list.newestFirst('k', 0, 5)).items.map((e) => e.id)).toEqual([6, 5, 4, 3, 2]);
    expect((await list.oldestFirst('k', 1, 5)).items.map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
    // The recent ids came along: a checked append of a listed id is refused.
    expect(await list.appendOne('k', entry(6))).toBe(false);
    expect(await list.appendOne('k', entry(5))).toBe(false);
    await expect(list.newestFirst('k', 0, 6)).rejects.toThrow(/at most 5/);
  });
});

describe('KeyedList with an order', () => {
  it('puts a late entry in its place among the head, an older one at the head start', async () => {
    const list = new KeyedList<Entry>(db, 'ordered', { bucketSize: 3, idField: 'id', sortBy: ['id'] });
    for (const id of [1, 2, 3]) await list.appendFresh('k', entry(id)); // sealed on the next append
    for (const id of [6, 4, 5]) await list.appendOne('k', entry(id));
    expect((await list.oldestFirst('k', 0, 3)).items.map((e) => e.id)).toEqual([1, 2, 3]);
    expect((await list.oldestFirst('k', 3, 3)).items.map((e) => e.id)).toEqual([4, 5, 6]);
    await list.appendFresh('k', entry(0)); // older than the whole head (and the sealed bucket)
    expect((await list.newestFirst('k', 0, 3)).items.map((e) => e.id)).toEqual([0, 6, 5]);
  });
});
