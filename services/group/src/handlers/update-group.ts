import { defineEndpoint } from '@im/bus';
import { GroupSubjects, type UpdateGroupReply, UpdateGroupRequest } from '@im/contracts';
import { assertMayManage } from '../authorize.js';
import { groupEvent } from '../changes/group-events.js';
import { activeGroup, type GroupDeps, groupNotFound } from '../deps.js';

/** `PUT /im/group/<group_id>`: renames. The same name again changes nothing and announces nothing. */
export const updateGroupEndpoint = (deps: GroupDeps) =>
  defineEndpoint({
    name: 'update',
    subject: GroupSubjects.update,
    request: UpdateGroupRequest,
    handle: async ({ group_id, group_name }, { caller }): Promise<UpdateGroupReply> => {
      const group = await activeGroup(deps, group_id);
      assertMayManage(caller, group, 'renaming');
      const name = group_name.trim();
      if (name === group.group_name) return { group_name: name };
      const outcome = await deps.flow.run(
        groupEvent('updated', group, { member_client_ids: [], group_name: name }),
      );
      if (outcome !== 'applied') throw groupNotFound(group_id); // deleted while we renamed
      return { group_name: name };
    },
  });
