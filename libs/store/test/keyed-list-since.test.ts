import { type MongoDatabase, startMongoDb } from '@im/testkit';
import type { Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketId, headId, KeyedList } from '../src/index.js';

/**
 * `seqField` and `since` on the MongoDB-wire server the tests use. Expected values come from a
 * model kept here, not from the list: entries are numbered by arrival (1, 2, …) whatever place
 * `sortBy` gives them, a redelivered id is not numbered again, and `since(after, limit)` is the
 * model's entries after+1 … after+limit.
 */
let store: MongoDatabase;
let db: Db;
/** `find` commands sent per collection: what a page costs in look-ups. */
const finds = new Map<string, number>();

interface Entry {
  id: number;
  /** The sort key: a late arrival has a smaller one than entries before it. */
  at: number;
  seq?: number;
}

const entry = (id: number, at = id): Entry => ({ id, at });
const seqs = (items: readonly Entry[]) => items.map((e) => e.seq);
const ids = (items: readonly Entry[]) => items.map((e) => e.id);
const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

function newList(collection: string, bucketSize: number) {
  return new KeyedList<Entry>(db, collection, {
    bucketSize,
    idField: 'id',
    sortBy: ['at', 'id'],
    seqField: 'seq',
  });
}

beforeAll(async () => {
  store = await startMongoDb('keyed_list_since', { monitorCommands: true });
  store.client.on('commandStarted', (event) => {
    if (event.commandName !== 'find') return;
    const collection = String(event.command.find);
    finds.set(collection, (finds.get(collection) ?? 0) + 1);
  });
  db = store.db;
}, 60_000);

afterAll(async () => {
  await store?.stop();
});

/** The `find`s `task` sends to `collection`. */
async function findsOf(collection: string, task: () => Promise<unknown>): Promise<number> {
  const before = finds.get(collection) ?? 0;
  await task();
  return (finds.get(collection) ?? 0) - before;
}

/** The list's entries the way an independent reader sees them: every stored document, by `_id`. */
async function storedBuckets(collection: string, key: string, bucketSize: number) {
  const docs = db.collection<{ _id: string; n?: number; items: Entry[] }>(collection);
  const head = await docs.findOne({ _id: headId(key) });
  const n = head?.n ?? 0;
  const headStart = n - (head?.items.length ?? 0);
  const buckets: Entry[][] = [];
  for (let k = 0; k * bucketSize < headStart; k++) {
    buckets.push((await docs.findOne({ _id: bucketId(key, k) }))?.items ?? []);
  }
  return { buckets, head: head?.items ?? [] };
}

describe('KeyedList seqField', () => {
  it('numbers entries by arrival, while pages keep the sort order', async () => {
    const list = newList('arrival', 4);
    // Arrives 2nd but sorts first: a fan-out that finished late.
    const arrivals = [entry(1, 20), entry(2, 10), entry(3, 40), entry(4, 30), entry(5, 50)];
    const stamped: Entry[] = [];
    for (const e of arrivals) stamped.push(...(await list.appendListed('k', [e])));
    expect(stamped).toEqual(arrivals.map((e, i) => ({ ...e, seq: i + 1 })));
    expect(ids((await list.newestFirst('k', 0, 4)).items)).toEqual([5, 3, 4, 1]);
    expect(ids((await list.oldestFirst('k', 0, 4)).items)).toEqual([2, 1, 4, 3]);
    expect(await list.since('k', 0, 10)).toEqual({ last: 5, items: stamped, more: false });
    expect(await list.since('k', 1, 2)).toEqual({ last: 5, items: stamped.slice(1, 3), more: true });
    expect(await list.since('k', 3, 2)).toEqual({ last: 5, items: stamped.slice(3, 5), more: false });
  });

  it('answers nothing at or beyond the last seq, and for a key never written', async () => {
    const list = newList('edges', 2);
    await list.append('k', [entry(1), entry(2), entry(3)]);
    expect(await list.since('k', 3, 5)).toEqual({ last: 3, items: [], more: false });
    expect(await list.since('k', 99, 5)).toEqual({ last: 3, items: [], more: false });
    expect(await list.since('nobody', 0, 5)).toEqual({ last: 0, items: [], more: false });
    // A limit below 1 still answers one entry: a page that could never move on would be no page.
    expect(seqs((await list.since('k', 0, 0)).items)).toEqual([1]);
  });

  it('stamps a batch with consecutive seqs and skips the ids it lists already', async () => {
    const list = newList('batch', 4);
    const first = await list.appendListed(
      'k',
      range(1, 7).map((id) => entry(id)),
    );
    expect(seqs(first)).toEqual([1, 2, 3, 4, 5, 6]);
    // 5 and 6 are listed (in the head); a batch that crosses a bucket edge goes in two writes.
    const second = await list.appendListed('k', [
      entry(5),
      entry(7, 0),
      entry(6),
      entry(8),
      entry(9),
      entry(10),
    ]);
    expect(second.map((e) => [e.id, e.seq])).toEqual([
      [7, 7],
      [8, 8],
      [9, 9],
      [10, 10],
    ]);
    expect(await list.count('k')).toBe(10);
    expect(ids((await list.since('k', 4, 10)).items)).toEqual([5, 6, 7, 8, 9, 10]);
    // Every sealed bucket holds exactly its seqs, whatever the sort moved: what `since` relies on.
    const { buckets, head } = await storedBuckets('batch', 'k', 4);
    expect(buckets.map((b) => seqs(b).sort((x, y) => x! - y!))).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    expect(seqs(head).sort((x, y) => x! - y!)).toEqual([9, 10]);
  });

  it('pages across bucket edges exactly, reading the head and at most two buckets', async () => {
    const size = 3;
    const list = newList('edges-exact', size);
    const model: Entry[] = [];
    for (const id of range(1, 21)) {
      // Every third arrives late: it sorts before the two that arrived ahead of it.
      const e = entry(id, id % 3 === 0 ? id - 2.5 : id);
      await list.appendListed('k', [e]);
      model.push({ ...e, seq: model.length + 1 });
    }
    for (let after = 0; after <= model.length + 1; after++) {
      for (let limit = 1; limit <= 2 * size; limit++) {
        let page: Awaited<ReturnType<typeof list.since>> | undefined;
        const reads = await findsOf('edges-exact', async () => {
          page = await list.since('k', after, limit);
        });
        expect({ after, limit, page }).toEqual({
          after,
          limit,
          page: {
            last: model.length,
            items: model.slice(after, after + limit),
            more: after + limit < model.length,
          },
        });
        // The head, then the buckets that can hold seqs after+1 … after+limit.
        const buckets = after >= model.length ? 0 : Math.ceil(limit / size) + 1;
        expect(reads, `after ${after}, limit ${limit}`).toBeLessThanOrEqual(1 + buckets);
      }
    }
  });

  it('numbers only what it stamps: entries of a list written before seqField have no seq', async () => {
    const plain = new KeyedList<Entry>(db, 'legacy', { bucketSize: 2, idField: 'id', sortBy: ['at', 'id'] });
    await plain.append(
      'k',
      range(1, 6).map((id) => entry(id)),
    );
    const list = newList('legacy', 2);
    expect(seqs(await list.appendListed('k', [entry(6), entry(7)]))).toEqual([6, 7]);
    expect(await list.since('k', 0, 10)).toMatchObject({
      last: 7,
      items: [{ id: 6 }, { id: 7 }],
      more: false,
    });
    // Positions 1–5 hold no seq: a page of them is empty but says more is there.
    expect(await list.since('k', 0, 3)).toEqual({ last: 7, items: [], more: true });
    expect(ids((await list.since('k', 3, 3)).items)).toEqual([6]);
  });
});

/** mulberry32: a small seeded generator, so a failure can be replayed with its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('KeyedList.since against a model', () => {
  it.each([
    [1, 11],
    [2, 23],
    [5, 37],
    [7, 41],
  ])('bucket size %i, seed %i: random arrivals, batches and redeliveries', async (size, seed) => {
    const rand = random(seed);
    const pick = (n: number) => Math.floor(rand() * n);
    const collection = `model-${size}-${seed}`;
    const list = newList(collection, size);
    const keys = ['a', 'b.c', 'd#0'];
    const models = new Map<string, Entry[]>(keys.map((k) => [k, []]));
    let nextId = 1;
    let clock = 1_000;

    /** One batch for `key`: new entries (some late), now and then an id among its last `size`. */
    const batchFor = (key: string): Entry[] => {
      const listed = models.get(key)!;
      const out: Entry[] = [];
      for (let i = 1 + pick(4); i > 0; i--) {
        if (listed.length > 0 && rand() < 0.25) {
          const recent = listed.slice(-size);
          const again = recent[pick(recent.length)]!;
          if (!out.some((e) => e.id === again.id)) out.push({ id: again.id, at: again.at });
        } else {
          clock += 1 + pick(5);
          out.push(entry(nextId++, rand() < 0.3 ? clock - pick(40) : clock));
        }
      }
      return out;
    };

    const checkSince = async (key: string, after: number, limit: number) => {
      const model = models.get(key)!;
      expect({ key, after, limit, page: await list.since(key, after, limit) }).toEqual({
        key,
        after,
        limit,
        page: {
          last: model.length,
          items: model.slice(after, after + limit),
          more: after + limit < model.length,
        },
      });
    };

    for (let round = 0; round < 40; round++) {
      // Keys are written at once; one key's batches one after another, as one inbox is.
      await Promise.all(
        keys.map(async (key) => {
          const batch = batchFor(key);
          const model = models.get(key)!;
          const known = new Set(model.slice(-size).map((e) => e.id));
          const expected = batch
            .filter((e) => !known.has(e.id))
            .map((e, i) => ({ ...e, seq: model.length + i + 1 }));
          const listed = await list.appendListed(key, batch);
          expect(listed).toEqual(expected);
          model.push(...expected);
        }),
      );
      const key = keys[pick(keys.length)]!;
      const n = models.get(key)!.length;
      await checkSince(key, pick(n + 2), 1 + pick(2 * size + 3));
    }
    for (const key of keys) {
      const model = models.get(key)!;
      expect(await list.count(key)).toBe(model.length);
      for (let after = 0; after <= model.length; after++)
        await checkSince(key, after, 1 + (after % (size + 2)));
      // Bucket k holds seqs k·size+1 … (k+1)·size, the head the rest.
      const { buckets, head } = await storedBuckets(collection, key, size);
      buckets.forEach((bucket, k) => {
        expect(seqs(bucket).sort((x, y) => x! - y!)).toEqual(range(k * size + 1, (k + 1) * size + 1));
      });
      expect(seqs(head).sort((x, y) => x! - y!)).toEqual(range(buckets.length * size + 1, model.length + 1));
    }
  });
});
