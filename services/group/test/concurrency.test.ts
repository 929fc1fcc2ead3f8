import {
  type AppError,
  type CreateGroupReply,
  ErrorCode,
  type GetGroupReply,
  GroupEventSubjects,
  GroupSubjects,
  type OrgGroupsReply,
} from '@im/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupMembers } from '../src/repositories/group-members.js';
import { type GroupHarness, startGroupHarness } from './harness.js';

/**
 * Concurrent changes through one copy of the service: ids and claims rest on unique indexes, list
 * and group writes on compare-and-sets (docs/ferretdb.md, "Updates"), deletes on the insert-once
 * tombstone that every writer checks after its own write.
 */
let h: GroupHarness;

beforeAll(async () => {
  h = await startGroupHarness({ maxMembers: 2_000 });
});
afterAll(() => h?.close());

const get = (group_id: number) => h.call<GetGroupReply>(GroupSubjects.get, { group_id });
const create = (body: Record<string, unknown>) => h.call<CreateGroupReply>(GroupSubjects.create, body);
const settle = <T>(work: Promise<T>) =>
  work.then(
    (value) => ({ ok: true as const, value }),
    (error: AppError) => ({ ok: false as const, error }),
  );

describe('concurrent changes', () => {
  it('gives 20 parallel creates 20 distinct ids, each group whole', async () => {
    const organization_id = 501;
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        create({ group_name: `p${i}`, member_client_ids: `m${i}:shared`, organization_id }),
      ),
    );
    const ids = replies.map((r) => r.group_id);
    expect(new Set(ids).size).toBe(20);
    const list = await h.call<OrgGroupsReply>(GroupSubjects.orgGroups, { organization_id, per_page: 100 });
    expect(list.total_count).toBe(20);
    expect(list.data.map((g) => g.id)).toEqual([...ids].sort((a, b) => a - b));
    for (const [i, reply] of replies.entries()) {
      const group = await get(reply.group_id);
      expect(group.group_name).toBe(`p${i}`);
      expect(group.member_client_ids).toBe(`m${i}:shared`);
    }
    const created = (await h.events()).filter(
      (e) => e.subject === GroupEventSubjects.created && ids.includes(e.payload.group_id),
    );
    expect(created).toHaveLength(20);
  });

  it('leaves each member exactly once after 60 overlapping adds and removes', async () => {
    // Ids that only ever join (stay), and ids that start in the group and only ever leave (gone).
    const stay = Array.from({ length: 30 }, (_, i) => `s${i}`);
    const gone = Array.from({ length: 20 }, (_, i) => `g${i}`);
    const { group_id } = await create({
      group_name: 'busy',
      member_client_ids: ['base', ...gone].join(':'),
      admin_uid: 'adm',
      organization_id: 502,
    });
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < 40; i++) {
      // Overlapping windows of 8: every stay id is asked for by several adds at once.
      const ids = Array.from({ length: 8 }, (_, k) => stay[(i * 3 + k) % stay.length]);
      ops.push(h.call(GroupSubjects.addMembers, { group_id, member_client_ids: ids.join(':') }));
    }
    for (let i = 0; i < 20; i++) {
      const ids = Array.from({ length: 5 }, (_, k) => gone[(i * 2 + k) % gone.length]);
      ops.push(h.call(GroupSubjects.removeMembers, { group_id, member_client_ids: ids.join(':') }));
    }
    const outcomes = await Promise.all(ops.map(settle));
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);

    const expected = ['adm', 'base', ...stay].sort();
    expect((await get(group_id)).member_client_ids).toBe(expected.join(':'));
    const stored = await new GroupMembers(h.store.db).list(group_id);
    expect(stored).toEqual(expected); // no duplicate entries
    // Every member's own list of groups agrees with the group's member list.
    for (const id of [...stay, ...gone]) {
      const mine = await h.call<{ data: { id: number }[] }>(GroupSubjects.userGroups, { client_id: id });
      expect(mine.data.some((g) => g.id === group_id)).toBe(stay.includes(id));
    }

    // Every stay id was announced as added, every gone id as removed; nothing else.
    const events = (await h.events()).filter((e) => e.payload.group_id === group_id);
    const announced = (subject: string) =>
      new Set(
        events.filter((e) => e.subject === subject).flatMap((e) => e.payload.member_client_ids as string[]),
      );
    expect([...announced(GroupEventSubjects.members_added)].sort()).toEqual([...stay].sort());
    expect([...announced(GroupEventSubjects.members_removed)].sort()).toEqual([...gone].sort());
  });

  it('leaves the group deleted whenever a delete races adds and renames', async () => {
    for (let round = 0; round < 5; round++) {
      const { group_id } = await create({ group_name: 'race', member_client_ids: 'a', organization_id: 503 });
      const racing = [
        ...Array.from({ length: 6 }, (_, i) =>
          settle(h.call(GroupSubjects.addMembers, { group_id, member_client_ids: `r${round}x${i}` })),
        ),
        ...Array.from({ length: 3 }, (_, i) =>
          settle(h.call(GroupSubjects.update, { group_id, group_name: `n${round}-${i}` })),
        ),
        settle(h.call(GroupSubjects.delete, { group_id })),
      ];
      const results = await Promise.all(racing);
      expect(results.at(-1)?.ok).toBe(true);
      for (const result of results) {
        if (!result.ok) expect(result.error.code).toBe(ErrorCode.GroupNotFound);
      }
      expect((await h.failure(GroupSubjects.get, { group_id })).code).toBe(ErrorCode.GroupNotFound);
      const stored = await h.store.db.collection('groups').findOne({ id: group_id });
      expect(stored?.status).toBe('deleted');
    }
    const list = await h.call<OrgGroupsReply>(GroupSubjects.orgGroups, { organization_id: 503 });
    expect(list.total_count).toBe(0);
  });

  it('lets exactly one of several parallel deletes win, with one deleted event', async () => {
    const { group_id } = await create({ group_name: 'twice', member_client_ids: 'a', organization_id: 504 });
    const results = await Promise.all(
      Array.from({ length: 5 }, () => settle(h.call(GroupSubjects.delete, { group_id }))),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    for (const r of results) if (!r.ok) expect(r.error.code).toBe(ErrorCode.GroupNotFound);
    const deleted = (await h.events()).filter(
      (e) => e.payload.group_id === group_id && e.subject === GroupEventSubjects.deleted,
    );
    expect(deleted).toHaveLength(1);
  });
});
