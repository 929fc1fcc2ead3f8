import { type MongoCopies, startMongoCopies } from '@im/testkit';
import type { Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SortedLists } from '../src/repositories/sorted-lists.js';

/**
 * Two copies of the group service changing the same sorted lists: each copy its own client and
 * its own SortedLists (the in-process lock is not shared). Heads and chunks are written
 * compare-and-set on their version (docs/ferretdb.md, "Updates"), so no change may be lost.
 */
let server: MongoCopies;
let dbs: [Db, Db];

beforeAll(async () => {
  server = await startMongoCopies('group_copies');
  dbs = server.dbs;
}, 120_000);

afterAll(() => server?.stop());

interface E {
  id: number;
  by: number;
}

const copies = (collection: string, dirSize: number) =>
  dbs.map(
    (db) =>
      new SortedLists<E, number>(db, collection, { keyOf: (e) => e.id, chunkSize: 8, tailSize: 4, dirSize }),
  );

// With the directory inline in the head, and in pages of 2 chunks (which split and drop too).
describe.each([
  { form: 'inline', dirSize: 64 },
  { form: 'paged', dirSize: 2 },
])('SortedLists changed by two copies, directory $form', ({ form, dirSize }) => {
  it('keeps every upsert and every removal, across chunk splits and seals', async () => {
    const [a, b] = copies(`members_${form}`, dirSize);
    const ids = Array.from({ length: 120 }, (_, i) => i);
    // Interleaved ids (so both copies write the same chunks), a few at a time from each copy.
    await Promise.all(
      [0, 1].map(async (by) => {
        const mine = ids.filter((id) => id % 2 === by);
        for (let i = 0; i < mine.length; i += 3) {
          const list = by === 0 ? a! : b!;
          await Promise.all(mine.slice(i, i + 3).map((id) => list.change('k', { upsert: [{ id, by }] })));
        }
      }),
    );
    expect(await b!.count('k')).toBe(120);
    expect((await a!.all('k')).map((e) => e.id)).toEqual(ids);

    // Each copy removes its own third while the other patches the rest.
    const removed = ids.filter((id) => id % 3 === 0);
    await Promise.all([
      ...removed.map((id) => (id % 2 === 0 ? a! : b!).change('k', { remove: [id] })),
      ...ids
        .filter((id) => id % 3 === 1)
        .map((id) =>
          (id % 2 === 0 ? b! : a!).change('k', { patch: { key: id, change: (e) => ({ ...e, by: 9 }) } }),
        ),
    ]);
    const left = await b!.all('k');
    expect(left.map((e) => e.id)).toEqual(ids.filter((id) => id % 3 !== 0));
    expect(left.filter((e) => e.id % 3 === 1).every((e) => e.by === 9)).toBe(true);
    expect(await a!.count('k')).toBe(80);
  });
});

describe('SortedLists pages kept by one copy (cachePagesUpTo)', () => {
  it("answers no page another copy's change has outdated, and reads only the head for a kept one", async () => {
    const [a, b] = dbs.map(
      (db) =>
        new SortedLists<E, number>(db, 'kept_pages', {
          keyOf: (e) => e.id,
          chunkSize: 8,
          tailSize: 4,
          dirSize: 2,
          cachePagesUpTo: 20,
        }),
    );
    await b!.change('k', { upsert: Array.from({ length: 40 }, (_, id) => ({ id, by: 1 })) });
    const ids = async (skip: number) => (await a!.page('k', skip, 10)).items.map((e) => e.id);
    expect(await ids(10)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);

    // Kept: a copy of what was kept is answered.
    const kept = await a!.page('k', 10, 10);
    kept.items.length = 0;
    expect(await ids(10)).toHaveLength(10);

    // The other copy's upsert, removal and change: each shows on the next page of the first.
    await b!.change('k', { upsert: [{ id: 12.5, by: 2 }] });
    expect(await ids(10)).toEqual([10, 11, 12, 12.5, 13, 14, 15, 16, 17, 18]);
    await b!.change('k', { remove: [11] });
    expect(await ids(10)).toEqual([10, 12, 12.5, 13, 14, 15, 16, 17, 18, 19]);
    await b!.change('k', { patch: { key: 13, change: (e) => ({ ...e, by: 3 }) } });
    expect((await a!.page('k', 10, 10)).items.find((e) => e.id === 13)?.by).toBe(3);
    // Larger pages than cachePagesUpTo are read every time (they are not kept).
    expect((await a!.page('k', 0, 41)).total).toBe(40);

    // A kept page is the head's read alone: with every other document of the list gone (which
    // no change ever leaves), it is still answered, while a page not kept cannot be read.
    await b!.change('h', { upsert: Array.from({ length: 40 }, (_, id) => ({ id, by: 1 })) });
    expect((await a!.page('h', 10, 10)).items.map((e) => e.id)).toEqual([
      10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
    ]);
    await a!.docs.deleteMany({ _id: { $regex: /^h#/ } } as never);
    expect((await a!.page('h', 10, 10)).items).toHaveLength(10);
    await expect(a!.page('h', 0, 10)).rejects.toThrow();
  });
});
