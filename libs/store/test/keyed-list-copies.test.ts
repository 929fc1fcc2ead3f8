import { type MongoCopies, startMongoCopies } from '@im/testkit';
import type { Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyedList, type KeyedListOptions } from '../src/index.js';

/**
 * Two copies of a service appending to the same lists: each copy has its own client and its own
 * KeyedList (whose in-process lock the other does not see), as two processes would. Every append
 * is one atomic statement or a compare-and-set on the head (docs/ferretdb.md, "Updates"), so
 * neither copy may lose the other's entries, list one twice, or hand out one seq twice.
 */
let server: MongoCopies;
let dbs: [Db, Db];

beforeAll(async () => {
  server = await startMongoCopies('keyed-copies');
  dbs = server.dbs;
}, 120_000);

afterAll(() => server?.stop());

interface Entry {
  id: number;
  by: number;
  seq?: number;
  at?: number;
  sent?: boolean;
}

/** The same list in both copies. */
function copies(collection: string, options: KeyedListOptions<Entry>): [KeyedList<Entry>, KeyedList<Entry>] {
  return [
    new KeyedList<Entry>(dbs[0], collection, options),
    new KeyedList<Entry>(dbs[1], collection, options),
  ];
}

/** Every entry of the list, oldest first, through pages of one bucket. */
async function everything(list: KeyedList<Entry>, key: string): Promise<Entry[]> {
  const total = await list.count(key);
  const out: Entry[] = [];
  for (let skip = 0; skip < total; skip += list.maxPage) {
    out.push(...(await list.oldestFirst(key, skip, list.maxPage)).items);
  }
  return out;
}

/** Copy `by` appends ids [from, to) to `key`, `parallel` appends in flight at a time. */
async function appendAll(
  write: (entry: Entry) => Promise<unknown>,
  by: number,
  from: number,
  to: number,
  parallel = 4,
): Promise<void> {
  let next = from;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < to) {
        const id = next++;
        await write({ id, by });
      }
    }),
  );
}

const ids = (entries: Entry[]) => entries.map((e) => e.id).sort((a, b) => a - b);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('KeyedList written by two copies', () => {
  it('append: no entry lost, across sealed buckets', async () => {
    const [a, b] = copies('appends', { bucketSize: 5, idOf: (e) => e.id });
    await Promise.all([
      appendAll((e) => a.append('k', [e]), 0, 0, 60),
      appendAll((e) => b.append('k', [e]), 1, 60, 120),
    ]);
    expect(await b.count('k')).toBe(120);
    expect(ids(await everything(a, 'k'))).toEqual(range(120));
  });

  it('append: an entry both copies append at once is listed once', async () => {
    const [a, b] = copies('redelivered', { bucketSize: 3, idOf: (e) => e.id });
    for (const id of range(30)) {
      const [byA, byB] = await Promise.all([a.append('k', [{ id, by: 0 }]), b.append('k', [{ id, by: 1 }])]);
      expect({ id, added: byA + byB }).toEqual({ id, added: 1 });
    }
    expect(ids(await everything(b, 'k'))).toEqual(range(30));
  });

  it('appendOne (one findOneAndUpdate with the check in its filter): none lost or twice', async () => {
    const [a, b] = copies('append-one', { bucketSize: 5, idField: 'id' });
    const added: boolean[] = [];
    await Promise.all([
      appendAll(async (e) => added.push(await a.appendOne('k', e)), 0, 0, 60),
      appendAll(async (e) => added.push(await b.appendOne('k', e)), 1, 60, 120),
    ]);
    expect(added.filter(Boolean)).toHaveLength(120);
    // The same entry from both copies at once: one of them lists it.
    for (const id of range(20).map((i) => 120 + i)) {
      const both = await Promise.all([a.appendOne('k', { id, by: 0 }), b.appendOne('k', { id, by: 1 })]);
      expect({ id, added: both.filter(Boolean).length }).toEqual({ id, added: 1 });
    }
    expect(ids(await everything(b, 'k'))).toEqual(range(140));
  });

  it('appendFresh: every entry once', async () => {
    const [a, b] = copies('append-fresh', { bucketSize: 4, idField: 'id' });
    await Promise.all([
      appendAll((e) => a.appendFresh('k', e), 0, 0, 60),
      appendAll((e) => b.appendFresh('k', e), 1, 60, 120),
    ]);
    expect(ids(await everything(a, 'k'))).toEqual(range(120));
  });

  it('seqField: the seqs of both copies are 1..n, each once', async () => {
    const [a, b] = copies('seqs', { bucketSize: 5, idOf: (e) => e.id, seqField: 'seq', sortBy: ['at'] });
    await Promise.all([
      appendAll((e) => a.appendListed('k', [{ ...e, at: e.id }]), 0, 0, 50),
      appendAll((e) => b.appendListed('k', [{ ...e, at: e.id }]), 1, 50, 100),
    ]);
    const listed = await everything(a, 'k');
    expect(ids(listed)).toEqual(range(100));
    expect(listed.map((e) => e.seq).sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual(
      range(100).map((i) => i + 1),
    );
    const since = await b.since('k', 90, 100);
    expect(since).toMatchObject({ last: 100, more: false });
    expect(since.items.map((e) => e.seq)).toEqual(range(10).map((i) => 91 + i));
  });

  it('update: changes of two entries made at once by two copies both stay', async () => {
    const [a, b] = copies('updates', { bucketSize: 5, idField: 'id' });
    for (const id of range(13)) await a.appendOne('k', { id, by: 0 });
    // Positions 0–9 are in sealed buckets, 10–12 in the head: each copy marks every other entry.
    const sent = (e: Entry): Entry => ({ ...e, sent: true });
    await Promise.all(
      range(13).map((id) => (id % 2 === 0 ? a : b).updateNewest('k', (e) => e.id === id, sent, 3)),
    );
    const listed = await everything(a, 'k');
    expect(listed.filter((e) => !e.sent).map((e) => e.id)).toEqual([]);
    expect(ids(listed)).toEqual(range(13));
  });

  it('update: a change made while the other copy seals that entry into a bucket stays', async () => {
    for (const [name, options] of [
      ['seal-one', { bucketSize: 4, idField: 'id' }],
      ['seal-append', { bucketSize: 4, idOf: (e: Entry) => e.id }],
    ] as const) {
      const [a, b] = copies(name, options);
      const sent = (e: Entry): Entry => ({ ...e, sent: true });
      await a.append('k', [{ id: 0, by: 0 }]);
      for (const id of range(40).map((i) => i + 1)) {
        // Copy b marks the newest entry while copy a appends the next, which may seal it.
        await Promise.all([
          name === 'seal-one' ? a.appendOne('k', { id, by: 0 }) : a.append('k', [{ id, by: 0 }]),
          b.updateNewest('k', (e) => e.id === id - 1, sent, 2),
        ]);
      }
      const listed = await everything(b, 'k');
      expect(ids(listed)).toEqual(range(41));
      expect({ name, unsent: listed.filter((e) => !e.sent).map((e) => e.id) }).toEqual({
        name,
        unsent: [40],
      });
    }
  });
});
