import { defineEndpoint } from '@im/bus';
import { DeleteGroupRequest, GroupSubjects } from '@im/contracts';
import { assertMayManage } from '../authorize.js';
import { groupEvent } from '../changes/group-events.js';
import { activeGroup, type GroupDeps, groupNotFound } from '../deps.js';

/** `DELETE /im/group/<group_id>`: soft delete; the event lists the members the group had. */
export const deleteGroupEndpoint = (deps: GroupDeps) =>
  defineEndpoint({
    name: 'delete',
    subject: GroupSubjects.delete,
    request: DeleteGroupRequest,
    handle: async ({ group_id }, { caller }): Promise<Record<string, never>> => {
      const group = await activeGroup(deps, group_id);
      assertMayManage(caller, group, 'deleting');
      const members = await deps.members.list(group_id);
      const outcome = await deps.flow.run(groupEvent('deleted', group, { member_client_ids: members }), {
        group,
      });
      // Two deletes racing: the one whose tombstone went in first answers 204, the other 404.
      if (outcome !== 'applied') throw groupNotFound(group_id);
      return {};
    },
  });
