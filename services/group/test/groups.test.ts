import {
  type CreateGroupReply,
  ErrorCode,
  type GetGroupReply,
  GroupSubjects,
  type OrgGroupsReply,
} from '@im/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupMembers } from '../src/repositories/group-members.js';
import { type GroupHarness, startGroupHarness } from './harness.js';

let h: GroupHarness;
let org = 100;

beforeAll(async () => {
  h = await startGroupHarness({ maxMembers: 5 });
});
afterAll(() => h?.close());

/** Each test works in an organization of its own, so lists never see another test's groups. */
const nextOrg = () => ++org;

const create = (body: Record<string, unknown>) => h.call<CreateGroupReply>(GroupSubjects.create, body);
const get = (group_id: number, client_id?: string) =>
  h.call<GetGroupReply>(GroupSubjects.get, client_id === undefined ? { group_id } : { group_id, client_id });

describe('create', () => {
  it('answers the document fields, echoes admin_uid and description, and makes the admin a member', async () => {
    const organization_id = nextOrg();
    const reply = await create({
      group_name: '  666 ',
      member_client_ids: 'o12:u232:p23:u232',
      organization_id,
      conversion_id: 'dasjfr4529sadfh',
      group_avatar: 'http://pic.hisihi.com/232rwfrqw.jpg',
      admin_uid: 't1',
      description: 'class 3 parents',
    });
    expect(reply).toEqual({
      group_id: expect.any(Number),
      group_name: '666',
      member_client_ids: 'o12:u232:p23:t1',
      organization_id,
      conversion_id: 'dasjfr4529sadfh',
      group_avatar: 'http://pic.hisihi.com/232rwfrqw.jpg',
      admin_uid: 't1',
      description: 'class 3 parents',
    });
    expect(Number.isInteger(reply.group_id) && reply.group_id > 0).toBe(true);
    const group = await get(reply.group_id, 't1');
    expect(group.member_client_ids).toBe('o12:p23:t1:u232');
    expect(group.member_count).toBe(4);
    expect(group.is_exist_in_group).toBe(true);
    expect(group.admin_uid).toBe('t1');
  });

  it('generates a 24-hex conversation id when none or an empty one is given', async () => {
    const organization_id = nextOrg();
    const a = await create({ group_name: 'a', member_client_ids: 'x', organization_id });
    const b = await create({ group_name: 'b', member_client_ids: 'x', organization_id, conversion_id: '' });
    expect(a.conversion_id).toMatch(/^[0-9a-f]{24}$/);
    expect(b.conversion_id).toMatch(/^[0-9a-f]{24}$/);
    expect(a.conversion_id).not.toBe(b.conversion_id);
    expect(a.group_avatar).toBe('');
    expect(a.admin_uid).toBe('');
    expect(b.group_id).toBeGreaterThan(a.group_id);
  });

  it('refuses more than GROUP_MAX_MEMBERS (5 here), saying so', async () => {
    const error = await h.failure(GroupSubjects.create, {
      group_name: 'big',
      member_client_ids: 'a:b:c:d:e',
      admin_uid: 'f',
      organization_id: nextOrg(),
    });
    expect(error.code).toBe(ErrorCode.InvalidParameter);
    expect(error.message).toBe('member_client_ids: a group holds at most 5 members; 6 were given');
  });

  it('validates what it receives over NATS, naming the field', async () => {
    const error = await h.failure(GroupSubjects.create, {
      group_name: ' ',
      member_client_ids: 'a',
      organization_id: 1,
    });
    expect(error.code).toBe(ErrorCode.InvalidParameter);
    expect(error.message).toBe('group_name: must be 1-64 characters after trimming');
  });
});

describe('one group', () => {
  it('renames, and the new name is what reads show', async () => {
    const { group_id } = await create({
      group_name: 'old',
      member_client_ids: 'a',
      organization_id: nextOrg(),
    });
    expect(await h.call(GroupSubjects.update, { group_id, group_name: ' g123 ' })).toEqual({
      group_name: 'g123',
    });
    expect((await get(group_id)).group_name).toBe('g123');
  });

  it('soft-deletes: the group is gone from every read and every change', async () => {
    const organization_id = nextOrg();
    const { group_id } = await create({ group_name: 'gone', member_client_ids: 'a:b', organization_id });
    expect(await h.call(GroupSubjects.delete, { group_id })).toEqual({});
    for (const [subject, payload] of [
      [GroupSubjects.get, { group_id }],
      [GroupSubjects.update, { group_id, group_name: 'x' }],
      [GroupSubjects.delete, { group_id }],
      [GroupSubjects.addMembers, { group_id, member_client_ids: 'c' }],
      [GroupSubjects.removeMembers, { group_id, member_client_ids: 'a' }],
    ] as const) {
      const error = await h.failure(subject, payload);
      expect(error.code).toBe(ErrorCode.GroupNotFound);
      expect(error.message).toBe(`group_id: group ${group_id} not found`);
    }
    const list = await h.call<OrgGroupsReply>(GroupSubjects.orgGroups, { organization_id });
    expect(list).toEqual({ total_count: 0, data: [] });
    const mine = await h.call<OrgGroupsReply>(GroupSubjects.userGroups, { client_id: 'a' });
    expect(mine.data.map((g) => g.id)).not.toContain(group_id);
    const stored = await h.store.db.collection('groups').findOne({ id: group_id });
    expect(stored?.status).toBe('deleted'); // soft: the record stays
  });

  it('answers 7003 for a group that never existed', async () => {
    const error = await h.failure(GroupSubjects.get, { group_id: 987_654_321 });
    expect(error.code).toBe(ErrorCode.GroupNotFound);
    expect(error.status).toBe(404);
  });

  it('tells whether a client is in the group', async () => {
    const { group_id } = await create({
      group_name: 'g',
      member_client_ids: 'a',
      organization_id: nextOrg(),
    });
    expect((await get(group_id, 'a')).is_exist_in_group).toBe(true);
    expect((await get(group_id, 'zz')).is_exist_in_group).toBe(false);
    expect((await get(group_id)).is_exist_in_group).toBeUndefined();
  });
});

describe('members', () => {
  it('adds new members, leaves present ones as they are, and echoes the ids asked for', async () => {
    const { group_id } = await create({
      group_name: 'g',
      member_client_ids: 'a:b',
      organization_id: nextOrg(),
    });
    const reply = await h.call(GroupSubjects.addMembers, { group_id, member_client_ids: '667:b:775:667' });
    expect(reply).toEqual({ group_id, member_client_ids: '667:b:775' });
    expect((await get(group_id)).member_client_ids).toBe('667:775:a:b');
    expect((await new GroupMembers(h.store.db).presentCounted(group_id, [])).count).toBe(4);
  });

  it('refuses an add that would pass the limit, and adds nothing', async () => {
    const { group_id } = await create({
      group_name: 'g',
      member_client_ids: 'a:b:c',
      organization_id: nextOrg(),
    });
    const error = await h.failure(GroupSubjects.addMembers, { group_id, member_client_ids: 'a:d:e:f' });
    expect(error.code).toBe(ErrorCode.InvalidParameter);
    expect(error.message).toBe(
      'member_client_ids: a group holds at most 5 members; it has 3 and 3 would join',
    );
    expect((await get(group_id)).member_count).toBe(3);
    // Exactly up to the limit is fine; ids already in do not count twice.
    await h.call(GroupSubjects.addMembers, { group_id, member_client_ids: 'a:d:e' });
    expect((await get(group_id)).member_count).toBe(5);
  });

  it('removes members, ignores ids that are not members, and never removes the admin', async () => {
    const { group_id } = await create({
      group_name: 'g',
      member_client_ids: 'a:b:c',
      admin_uid: 'adm',
      organization_id: nextOrg(),
    });
    expect(await h.call(GroupSubjects.removeMembers, { group_id, member_client_ids: 'a:nobody:c' })).toEqual(
      {},
    );
    expect((await get(group_id)).member_client_ids).toBe('adm:b');
    const error = await h.failure(GroupSubjects.removeMembers, { group_id, member_client_ids: 'b:adm' });
    expect(error.code).toBe(ErrorCode.IllegalOperation);
    expect(error.status).toBe(403);
    expect(error.message).toMatch(/^member_client_ids: "adm" is the group's admin/);
    expect((await get(group_id)).member_client_ids).toBe('adm:b'); // b stays too: refused as a whole
  });
});

describe('lists', () => {
  it("pages an organization's groups by id: page 1 of 20 by default, per_page up to 100", async () => {
    const organization_id = nextOrg();
    const ids: number[] = [];
    for (let i = 0; i < 23; i++) {
      ids.push((await create({ group_name: `g${i}`, member_client_ids: 'a', organization_id })).group_id);
    }
    await h.call(GroupSubjects.delete, { group_id: ids[5] });
    const live = ids.filter((_, i) => i !== 5);
    const first = await h.call<OrgGroupsReply>(GroupSubjects.orgGroups, { organization_id });
    expect(first.total_count).toBe(22);
    expect(first.data.map((g) => g.id)).toEqual(live.slice(0, 20));
    expect(first.data[0]).toEqual({ id: ids[0], group_name: 'g0' });
    const second = await h.call<OrgGroupsReply>(GroupSubjects.orgGroups, { organization_id, page: 2 });
    expect(second.data.map((g) => g.id)).toEqual(live.slice(20));
    const small = await h.call<OrgGroupsReply>(GroupSubjects.orgGroups, {
      organization_id,
      page: 3,
      per_page: 5,
    });
    expect(small.data.map((g) => g.id)).toEqual(live.slice(10, 15));
    const all = await h.call<OrgGroupsReply>(GroupSubjects.orgGroups, { organization_id, per_page: 100 });
    expect(all.data).toHaveLength(22);
  });

  it("lists a client's groups across organizations, without deleted ones", async () => {
    const client = `c-${Date.now()}`;
    const a = await create({ group_name: 'a', member_client_ids: client, organization_id: nextOrg() });
    const b = await create({ group_name: 'b', member_client_ids: `x:${client}`, organization_id: nextOrg() });
    const c = await create({ group_name: 'c', member_client_ids: 'x', organization_id: nextOrg() });
    await h.call(GroupSubjects.addMembers, { group_id: c.group_id, member_client_ids: client });
    await h.call(GroupSubjects.delete, { group_id: b.group_id });
    const mine = await h.call<OrgGroupsReply>(GroupSubjects.userGroups, { client_id: client });
    expect(mine.total_count).toBe(2);
    expect(mine.data).toEqual([
      {
        id: a.group_id,
        group_name: 'a',
        organization_id: a.organization_id,
        conversion_id: a.conversion_id,
        group_avatar: '',
      },
      {
        id: c.group_id,
        group_name: 'c',
        organization_id: c.organization_id,
        conversion_id: c.conversion_id,
        group_avatar: '',
      },
    ]);
    expect(await h.call(GroupSubjects.userGroups, { client_id: 'never-joined' })).toEqual({
      total_count: 0,
      data: [],
    });
  });

  it('lists an organization\'s groups as contacts, avatar "0" when there is none', async () => {
    const organization_id = nextOrg();
    const a = await create({ group_name: 'g123', member_client_ids: 'a', organization_id });
    const b = await create({
      group_name: '676',
      member_client_ids: 'a',
      organization_id,
      group_avatar: 'https://cdn.example.com/g.png',
    });
    expect(await h.call(GroupSubjects.orgContacts, { organization_id })).toEqual({
      data: [
        { id: a.group_id, avatar: '0', name: 'g123', type: 'group' },
        { id: b.group_id, avatar: 'https://cdn.example.com/g.png', name: '676', type: 'group' },
      ],
    });
  });
});

describe('Idempotency-Key', () => {
  const body = () => ({ group_name: 'once', member_client_ids: 'a:b', organization_id: org });

  it('answers a repeat with the first reply and creates nothing more', async () => {
    nextOrg();
    const first = await create({ ...body(), idempotency_key: 'k-1' });
    const again = await create({ ...body(), idempotency_key: 'k-1' });
    expect(again).toEqual(first);
    expect(first.conversion_id).toMatch(/^[0-9a-f]{24}$/); // generated once, repeated as it was
    const list = await h.call<OrgGroupsReply>(GroupSubjects.orgGroups, { organization_id: org });
    expect(list.total_count).toBe(1);
  });

  it('creates one group for concurrent repeats', async () => {
    nextOrg();
    const replies = await Promise.all(
      Array.from({ length: 6 }, () => create({ ...body(), idempotency_key: 'k-par' })),
    );
    expect(new Set(replies.map((r) => r.group_id)).size).toBe(1);
    const list = await h.call<OrgGroupsReply>(GroupSubjects.orgGroups, { organization_id: org });
    expect(list.total_count).toBe(1);
  });

  it('refuses the key with a different request (409, 1016), and scopes keys per organization', async () => {
    nextOrg();
    await create({ ...body(), idempotency_key: 'k-2' });
    const error = await h.failure(GroupSubjects.create, {
      ...body(),
      group_name: 'other',
      idempotency_key: 'k-2',
    });
    expect(error.code).toBe(ErrorCode.Conflict);
    expect(error.status).toBe(409);
    expect(error.message).toMatch(/^Idempotency-Key: /);
    const elsewhere = await create({ ...body(), organization_id: org + 1000, idempotency_key: 'k-2' });
    expect(elsewhere.organization_id).toBe(org + 1000);
  });
});
