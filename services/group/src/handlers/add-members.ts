import { defineEndpoint } from '@im/bus';
import {
  type AddMembersReply,
  AddMembersRequest,
  assertFits,
  GroupSubjects,
  invalidParameter,
} from '@im/contracts';
import { assertMayManage } from '../authorize.js';
import { groupEvent } from '../changes/group-events.js';
import { activeGroup, type GroupDeps, groupNotFound } from '../deps.js';
import { parseMemberIds } from '../lists.js';

/**
 * `POST /im/group/<group_id>/member`. Members already in stay as they are; the event lists only the
 * ids that were not members. The limit is checked against the member records themselves (see
 * docs/group.md for the window concurrent adds leave).
 */
export const addMembersEndpoint = (deps: GroupDeps) =>
  defineEndpoint({
    name: 'members_add',
    subject: GroupSubjects.addMembers,
    request: AddMembersRequest,
    handle: async ({ group_id, member_client_ids }, { caller }): Promise<AddMembersReply> => {
      const renames = deps.flow.renames; // before the read: the apply then knows whether its name is current
      const group = await activeGroup(deps, group_id);
      assertMayManage(caller, group, 'adding members to');
      const asked = parseMemberIds(member_client_ids);
      // The members_added event carries the newcomers, a subset of these.
      assertFits('member_client_ids', asked, deps.memberListBytes);
      const reply = { group_id, member_client_ids: asked.join(':') };
      // One read of the list's head answers both.
      const { present, count } = await deps.members.presentCounted(group_id, asked);
      const joining = asked.filter((id) => !present.has(id));
      if (joining.length === 0) return reply;

      if (count + joining.length > deps.maxMembers) {
        throw invalidParameter(
          'member_client_ids',
          `a group holds at most ${deps.maxMembers} members; it has ${count} and ${joining.length} would join`,
        );
      }
      const event = groupEvent('members_added', group, { member_client_ids: joining });
      const outcome = await deps.flow.run(event, { group, renames });
      if (outcome !== 'applied') throw groupNotFound(group_id); // deleted while we added
      return reply;
    },
  });
