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

describe('SortedLists', () => {
  it('pages across chunk boundaries in key order, whatever order entries came in', async () => {
    const list = new SortedLists<E, number>(h.store.db, 'test_sorted_a', {
      keyOf: (e) => e.id,
      chunkSize: 8,
      tailSize: 4,
    });
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
    const head = await list.docs.findOne({ _id: 'k' });
    expect((head as { chunks: unknown[] }).chunks.length).toBeGreaterThan(3);
  });

  it('removes and re-adds, drops empty chunks, patches in place, and coalesces concurrent upserts', async () => {
    const list = new SortedLists<E, number>(h.store.db, 'test_sorted_b', {
      keyOf: (e) => e.id,
      chunkSize: 8,
      tailSize: 4,
    });
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
