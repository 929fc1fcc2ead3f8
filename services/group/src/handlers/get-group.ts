import { defineEndpoint } from '@im/bus';
import { type GetGroupReply, GetGroupRequest, GroupSubjects } from '@im/contracts';
import { assertMayReadGroup } from '../authorize.js';
import { activeGroup, type GroupDeps } from '../deps.js';

/** `GET /im/group/<group_id>[?client_id=]`: the group and its members (ascending). */
export const getGroupEndpoint = (deps: GroupDeps) =>
  defineEndpoint({
    name: 'get',
    subject: GroupSubjects.get,
    request: GetGroupRequest,
    handle: async ({ group_id, client_id }, { caller }): Promise<GetGroupReply> => {
      const group = await activeGroup(deps, group_id);
      const members = await deps.members.list(group_id);
      assertMayReadGroup(caller, group, members);
      const reply: GetGroupReply = {
        group_id: group.id,
        group_name: group.group_name,
        organization_id: group.organization_id,
        conversion_id: group.conversion_id,
        group_avatar: group.group_avatar,
        admin_uid: group.admin_uid,
        description: group.description,
        member_client_ids: members.join(':'),
        member_count: members.length,
      };
      if (client_id !== undefined) reply.is_exist_in_group = members.includes(client_id);
      return reply;
    },
  });
