import { defineEndpoint } from '@im/bus';
import { AppError, ErrorCode, GroupSubjects, quote, RemoveMembersRequest } from '@im/contracts';
import { assertMayRemove } from '../authorize.js';
import { groupEvent } from '../changes/group-events.js';
import { activeGroup, type GroupDeps, groupNotFound } from '../deps.js';
import { parseMemberIds } from '../lists.js';

/**
 * `DELETE /im/group/<group_id>/member`. Ids that are not members are ignored; the admin stays
 * (403, 1008). The event lists only the ids that were members.
 */
export const removeMembersEndpoint = (deps: GroupDeps) =>
  defineEndpoint({
    name: 'members_remove',
    subject: GroupSubjects.removeMembers,
    request: RemoveMembersRequest,
    handle: async ({ group_id, member_client_ids }, { caller }): Promise<Record<string, never>> => {
      const group = await activeGroup(deps, group_id);
      const asked = parseMemberIds(member_client_ids);
      assertMayRemove(caller, group, asked);
      if (group.admin_uid !== '' && asked.includes(group.admin_uid)) {
        throw new AppError(
          ErrorCode.IllegalOperation,
          `member_client_ids: ${quote(group.admin_uid)} is the group's admin and cannot be removed`,
        );
      }
      const present = await deps.members.present(group_id, asked);
      const leaving = asked.filter((id) => present.has(id));
      if (leaving.length === 0) return {};
      const outcome = await deps.flow.run(
        groupEvent('members_removed', group, { member_client_ids: leaving }),
      );
      if (outcome !== 'applied') throw groupNotFound(group_id); // deleted while we removed
      return {};
    },
  });
