import { type MongoDatabase, startMongoDb } from '@im/testkit';
import type { Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headId, KeyedList, type ListHead, loadList } from '../src/index.js';

/**
 * loadList against the append path itself: a list loaded whole must read, and take further
 * writes, exactly as the same entries appended one by one.
 */
let store: MongoDatabase;
let db: Db;

interface Entry {
  id: number;
  note: string;
}
const entry = (id: number): Entry => ({ id, note: `e${id}` });
const idOf = (e: Entry) => e.id;

beforeAll(async () => {
  store = await startMongoDb('keyed-list-load');
  db = store.db;
}, 60_000);

afterAll(async () => {
  await store?.stop();
});

describe('loadList', () => {
  it.each([1, 4, 5, 9, 13, 20])('leaves %i entries as appends would have', async (n) => {
    const appended = new KeyedList<Entry>(db, `appended_${n}`, { bucketSize: 4, idField: 'id' });
    const loaded = new KeyedList<Entry>(db, `loaded_${n}`, { bucketSize: 4, idField: 'id' });
    const entries = Array.from({ length: n }, (_, i) => entry(i + 1));
    for (const e of entries) await appended.appendOne('k', e);
    expect(await loadList(loaded, 'k', entries, idOf)).toBe(true);

    const headOf = async (list: KeyedList<Entry>) => {
      const head = (await list.docs.findOne({ _id: headId('k') })) as ListHead<Entry>;
      return { n: head.n, items: head.items, recent: head.recent };
    };
    expect(await headOf(loaded)).toEqual(await headOf(appended));
    for (let skip = 0; skip <= n; skip += 3) {
      expect(await loaded.newestFirst('k', skip, 4)).toEqual(await appended.newestFirst('k', skip, 4));
    }
    // Further writes: a redelivered recent entry is skipped, a new one listed, the newest changed.
    for (const list of [appended, loaded]) {
      expect(await list.appendOne('k', entry(n))).toBe(false);
      expect(await list.appendOne('k', entry(n + 1))).toBe(true);
      expect(
        await list.updateNewest(
          'k',
          (e) => e.id === n,
          (e) => ({ ...e, note: 'changed' }),
        ),
      ).toBe(true);
    }
    expect(await loaded.oldestFirst('k', 0, 4)).toEqual(await appended.oldestFirst('k', 0, 4));
    expect(await loaded.newestFirst('k', 0, 4)).toEqual(await appended.newestFirst('k', 0, 4));
  });

  it('writes nothing over a list that is there, and two loads of one list agree', async () => {
    const list = new KeyedList<Entry>(db, 'twice', { bucketSize: 4, idField: 'id' });
    const entries = Array.from({ length: 11 }, (_, i) => entry(i + 1));
    const results = await Promise.all([
      loadList(list, 'k', entries, idOf),
      loadList(list, 'k', entries, idOf),
    ]);
    expect(results.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    expect((await list.oldestFirst('k', 0, 4)).items.map(idOf)).toEqual([1, 2, 3, 4]);
    expect(await list.count('k')).toBe(11);
    expect(await loadList(list, 'k', [entry(99)], idOf)).toBe(false);
    expect(await list.count('k')).toBe(11);
    expect(await loadList(list, 'empty', [], idOf)).toBe(false);
    expect(await list.count('empty')).toBe(0);
  });
});
