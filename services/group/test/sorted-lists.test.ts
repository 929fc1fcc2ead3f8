import { type CreateGroupReply, GroupSubjects } from '@im/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SortedLists } from '../src/repositories/sorted-lists.js';
import { type GroupHarness, startGroupHarness } from './harness.js';

// The lists every read route pages through, against real FerretDB: small chunks, so a few dozen
// entries cross chunk boundaries; then the routes that read them.
let h: GroupHarness;
beforeAll(async () => {
  h = await startGroupHarness();
});
afterAll(() => h?.close());

interface E {
  id: number;
  v: string;
}

// Both directory forms: inline in the head (a page of 64 chunks), and paged (pages of 2 chunks,
// so a few dozen entries span several pages, which split and drop as the chunks do).
describe.each([
  { form: 'inline', dirSize: 64 },
  { form: 'paged', dirSize: 2 },
])('SortedLists with its directory $form', ({ form, dirSize }) => {
  const listOf = (name: string) =>
    new SortedLists<E, number>(h.store.db, `test_sorted_${name}_${form}`, {
      keyOf: (e) => e.id,
      chunkSize: 8,
      tailSize: 4,
      dirSize,
    });
  it('pages across chunk boundaries in key order, whatever order entries came in', async () => {
    const list = listOf('a');
    const ids = Array.from({ length: 60 }, (_, i) => (i * 37) % 60); // a permutation
    for (const id of ids) await list.change('k', { upsert: [{ id, v: `v${id}` }] });
    expect(await list.count('k')).toBe(60);
    for (const [skip, limit] of [
      [0, 7],
      [5, 13],
      [20, 20],
      [55, 10],
      [60, 5],
    ] as const) {
      const page = await list.page('k', skip, limit);
      expect(page.total).toBe(60);
      expect(page.items.map((e) => e.id)).toEqual(
        Array.from({ length: Math.max(0, Math.min(limit, 60 - skip)) }, (_, i) => skip + i),
      );
    }
    const head = (await list.docs.findOne({ _id: 'k' })) as { chunks?: unknown[]; dirs?: unknown[] };
    if (form === 'inline') {
      expect(head.chunks?.length).toBeGreaterThan(3);
      expect(head.dirs).toBeUndefined();
    } else {
      // Chunks of 8 to 16 entries, pages of 2 to 4 chunks: 60 entries fill more than one page.
      expect(head.dirs?.length).toBeGreaterThanOrEqual(2);
      expect(head.chunks).toBeUndefined();
    }
    const picked = await list.pick('k', [0, 17, 33, 59, 61]);
    expect([...picked.keys()].sort((a, b) => a - b)).toEqual([0, 17, 33, 59]);
    expect(picked.get(33)?.v).toBe('v33');
  });

  it('removes and re-adds, drops empty chunks, patches in place, and coalesces concurrent upserts', async () => {
    const list = listOf('b');
    await Promise.all(Array.from({ length: 40 }, (_, id) => list.change('k', { upsert: [{ id, v: 'a' }] })));
    expect(await list.count('k')).toBe(40);
    await list.change('k', { remove: Array.from({ length: 20 }, (_, i) => i) });
    expect((await list.all('k')).map((e) => e.id)).toEqual(Array.from({ length: 20 }, (_, i) => 20 + i));
    await list.change('k', { upsert: [{ id: 3, v: 'back' }] });
    await list.change('k', { patch: { key: 30, change: (e) => ({ ...e, v: 'patched' }) } });
    await list.change('k', { patch: { key: 99, change: (e) => ({ ...e, v: 'never' }) } });
    const all = await list.all('k');
    expect(all.map((e) => e.id)).toEqual([3, ...Array.from({ length: 20 }, (_, i) => 20 + i)]);
    expect(all.find((e) => e.id === 30)?.v).toBe('patched');
    expect((await list.pick('k', [3, 4, 30])).size).toBe(2);
  });

  it('creates a list in one write, and a create over a list that is there changes it instead', async () => {
    const list = listOf('d');
    expect(
      await list.create(
        'k',
        [3, 1, 2].map((id) => ({ id, v: 'first' })),
      ),
    ).toBe(3);
    // A replay of the create: the head is there, so its insert is refused and the entries merged.
    expect(
      await list.create(
        'k',
        [2, 30, 4].map((id) => ({ id, v: 'again' })),
      ),
    ).toBe(2);
    expect((await list.all('k')).map((e) => [e.id, e.v])).toEqual([
      [1, 'first'],
      [2, 'again'],
      [3, 'first'],
      [4, 'again'],
      [30, 'again'],
    ]);
    const { found, total } = await list.pickCounted('k', [2, 5]);
    expect([[...found.keys()], total]).toEqual([[2], 5]);
  });

  it('leaves only the documents its head names, after growth, removals and emptying', async () => {
    const list = listOf('c');
    // Out of order, so changes land inside sealed chunks (and split them), not only at the tail.
    for (let i = 0; i < 90; i++) await list.change('k', { upsert: [{ id: (i * 53) % 90, v: 'a' }] });
    await list.change('k', { remove: Array.from({ length: 45 }, (_, i) => 2 * i) });
    expect((await list.all('k')).map((e) => e.id)).toEqual(Array.from({ length: 45 }, (_, i) => 2 * i + 1));
    const named = async () => {
      const head = (await list.docs.findOne({ _id: 'k' })) as {
        chunks?: { c: number }[];
        dirs?: { d: number }[];
      };
      const numbers = (head.chunks ?? []).map((c) => c.c);
      for (const { d } of head.dirs ?? []) {
        numbers.push(d);
        const page = (await list.docs.findOne({ _id: `k#${d}` })) as { chunks: { c: number }[] } | null;
        numbers.push(...(page?.chunks ?? []).map((c) => c.c));
      }
      return numbers.map((n) => `k#${n}`).sort();
    };
    const stored = async () =>
      (await list.docs.find({ _id: { $ne: 'k' } }, { projection: { _id: 1 } }).toArray())
        .map((d) => d._id)
        .sort();
    expect(await stored()).toEqual(await named());
    await list.change('k', { remove: Array.from({ length: 45 }, (_, i) => 2 * i + 1) });
    expect(await list.count('k')).toBe(0);
    expect(await stored()).toEqual([]);
    await list.change('k', { upsert: [{ id: 7, v: 'again' }] });
    expect(await list.all('k')).toEqual([{ id: 7, v: 'again' }]);
  });
});

describe('the list routes', () => {
  const create = (org: number, members: string) =>
    h.call<CreateGroupReply>(GroupSubjects.create, {
      group_name: 'g',
      member_client_ids: members,
      organization_id: org,
    });
  const userGroups = (client_id: string) =>
    h.call<{ total_count: number; data: { id: number }[] }>(GroupSubjects.userGroups, {
      client_id,
      per_page: 100,
    });

  it("keeps a user's groups and the organization's groups right through removal, re-add and delete", async () => {
    const ids: number[] = [];
    for (let i = 0; i < 75; i++) ids.push((await create(880, 'lu1:lu2')).group_id);
    const org = await h.call<{ total_count: number; data: { id: number }[] }>(GroupSubjects.orgGroups, {
      organization_id: 880,
      page: 2,
      per_page: 50,
    });
    expect(org.total_count).toBe(75);
    expect(org.data.map((g) => g.id)).toEqual(ids.slice(50));
    expect((await userGroups('lu1')).total_count).toBe(75);

    await h.call(GroupSubjects.removeMembers, { group_id: ids[3], member_client_ids: 'lu1' });
    expect((await userGroups('lu1')).data.map((g) => g.id)).not.toContain(ids[3]);
    await h.call(GroupSubjects.addMembers, { group_id: ids[3], member_client_ids: 'lu1' });
    expect((await userGroups('lu1')).data.map((g) => g.id)).toContain(ids[3]);

    await h.call(GroupSubjects.delete, { group_id: ids[10] });
    for (const u of ['lu1', 'lu2']) {
      const mine = await userGroups(u);
      expect(mine.total_count).toBe(74);
      expect(mine.data.map((g) => g.id)).not.toContain(ids[10]);
    }
    const after = await h.call<{ total_count: number }>(GroupSubjects.orgGroups, { organization_id: 880 });
    expect(after.total_count).toBe(74);
    const got = await h.call<{ member_count: number }>(GroupSubjects.get, { group_id: ids[3] });
    expect(got.member_count).toBe(2);
  }, 120_000);
});
