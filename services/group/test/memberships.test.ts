import { type CreateGroupReply, GroupSubjects, type UserGroupsReply } from '@im/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEMBERSHIPS_MIGRATION } from '../src/migrate.js';
import { membershipPrefix } from '../src/repositories/user-memberships.js';
import { type GroupHarness, startGroupHarness } from './harness.js';

/** A user's groups as membership documents (UserMemberships), through the service's endpoints. */
let h: GroupHarness;
let n = 0;

beforeAll(async () => {
  h = await startGroupHarness();
});
afterAll(() => h?.close());

const tag = () => `${Date.now().toString(36)}${++n}`;
const create = (organization_id: number, member_client_ids: string, group_name = 'g') =>
  h.call<CreateGroupReply>(GroupSubjects.create, { group_name, member_client_ids, organization_id });
const groupsOf = (client_id: string, page = 1, per_page = 100) =>
  h.call<UserGroupsReply>(GroupSubjects.userGroups, { client_id, page, per_page });

describe("a user's groups", () => {
  it('keep one client from another when one id starts with the other, whatever characters they hold', async () => {
    const t = tag();
    // Each id is a prefix of the next, and they hold the characters a key could be split on.
    const ids = [`u${t}`, `u${t}_`, `u${t}_1`, `u${t}|`, `u${t}é`, `u${t}.*`];
    const made: number[] = [];
    for (const id of ids) made.push((await create(801, id)).group_id);
    for (const [i, id] of ids.entries()) {
      const listed = await groupsOf(id);
      expect(listed.total_count, id).toBe(1);
      expect(listed.data.map((g) => g.id)).toEqual([made[i]]);
    }
    // Hex keeps every prefix to letters and digits, then `_`.
    for (const id of ids) expect(membershipPrefix(id)).toMatch(/^[0-9a-f]+_$/);
  });

  it('are listed by group id and paged, with their total; removals and renames follow', async () => {
    const member = `m${tag()}`;
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await create(802, `${member}:other${i}`, `g${i}`)).group_id);
    const second = await groupsOf(member, 2, 2);
    expect(second.total_count).toBe(5);
    expect(second.data.map((g) => g.id)).toEqual(ids.slice(2, 4));
    await h.call(GroupSubjects.update, { group_id: ids[0], group_name: 'renamed' });
    await h.call(GroupSubjects.removeMembers, { group_id: ids[1], member_client_ids: member });
    await h.call(GroupSubjects.delete, { group_id: ids[2] });
    const after = await groupsOf(member);
    expect(after.total_count).toBe(3);
    expect(after.data.map((g) => [g.id, g.group_name])).toEqual([
      [ids[0], 'renamed'],
      [ids[3], 'g3'],
      [ids[4], 'g4'],
    ]);
    // The other members keep theirs.
    expect((await groupsOf('other1')).data.map((g) => g.id)).toContain(ids[1]);
  });

  it('are built from the member lists at start when the database has the older lists of groups', async () => {
    const member = `legacy${tag()}`;
    const { group_id } = await create(803, `${member}:peer`);
    // As a database of the version before: the old lists are there, no membership documents, no mark.
    await h.store.db
      .collection('group_user_lists')
      .insertOne({ _id: member as never, v: 1, n: 1, items: [] });
    await h.store.db.collection('group_memberships').deleteMany({});
    await h.store.db.collection('group_migrations').deleteOne({ _id: MEMBERSHIPS_MIGRATION as never });
    expect((await groupsOf(member)).total_count).toBe(0);
    await h.service!.stop();
    await h.startService();
    expect((await groupsOf(member)).data.map((g) => g.id)).toEqual([group_id]);
    expect((await groupsOf('peer')).data.map((g) => g.id)).toContain(group_id);
    const left = await h.store.db.listCollections({ name: 'group_user_lists' }).toArray();
    expect(left).toEqual([]);
  });
});
