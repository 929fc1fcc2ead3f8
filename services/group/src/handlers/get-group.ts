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
      // Both at once: one wait for the database instead of two (an unknown group's empty list is
      // read for nothing, and the 404 is the same).
      const [group, members] = await Promise.all([activeGroup(deps, group_id), deps.members.list(group_id)]);
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
