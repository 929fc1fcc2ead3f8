import { defineEndpoint } from '@im/bus';
import { GroupSubjects, pageWindow, type UserGroupsReply, UserGroupsRequest } from '@im/contracts';
import { assertMayListGroupsOf } from '../authorize.js';
import type { GroupDeps } from '../deps.js';

/** `GET /im/user/<client_id>/groups?page=&per_page=`: the groups the client is a member of, by id. */
export const userGroupsEndpoint = (deps: GroupDeps) =>
  defineEndpoint({
    name: 'user_groups',
    subject: GroupSubjects.userGroups,
    request: UserGroupsRequest,
    handle: async ({ client_id, page, per_page }, { caller }): Promise<UserGroupsReply> => {
      assertMayListGroupsOf(caller, client_id);
      const { skip, limit } = pageWindow(page, per_page);
      const { total, items } = await deps.lists.userPage(client_id, skip, limit);
      return {
        total_count: total,
        data: items.map((g) => ({
          id: g.id,
          group_name: g.group_name,
          organization_id: g.organization_id,
          conversion_id: g.conversion_id,
          group_avatar: g.group_avatar,
        })),
      };
    },
  });
