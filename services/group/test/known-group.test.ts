import { GroupSubjects, type UserGroupsReply } from '@im/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChangeStores, GroupChanges } from '../src/changes/changes.js';
import { groupEvent } from '../src/changes/group-events.js';
import { type GroupHarness, startGroupHarness } from './harness.js';
import { changeStores } from './intents.js';

/**
 * An add applies with the group its request read (no second read) unless a rename was applied
 * in this process since (GroupChanges.renames): then its newcomers' memberships would carry the
 * old name, so it reads the group again.
 */
let h: GroupHarness;
let stores: ChangeStores;

beforeAll(async () => {
  h = await startGroupHarness();
  stores = changeStores(h.store.db);
});
afterAll(() => h?.close());

describe('an add with the group its request read', () => {
  it('reads the group again when a rename was applied since, so its newcomers get the new name', async () => {
    const { group_id } = await h.call<{ group_id: number }>(GroupSubjects.create, {
      group_name: 'old name',
      member_client_ids: 'a',
      organization_id: 5,
    });
    const changes = new GroupChanges(stores);
    const renames = changes.renames;
    const read = (await stores.groups.findActive(group_id))!;
    const renamed = groupEvent('updated', read, { member_client_ids: [], group_name: 'new name' });
    expect(await changes.applyNew(renamed, async () => true)).toBe('applied');

    const added = groupEvent('members_added', read, { member_client_ids: ['late'] });
    expect(await changes.applyNew(added, async () => true, { group: read, renames })).toBe('applied');
    const listed = await h.call<UserGroupsReply>(GroupSubjects.userGroups, {
      client_id: 'late',
      page: 1,
      per_page: 10,
    });
    expect(listed.data.map((g) => [g.id, g.group_name])).toEqual([[group_id, 'new name']]);
  });
});
