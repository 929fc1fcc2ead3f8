import { defineEndpoint } from '@im/bus';
import { GroupSubjects, type OrgGroupsReply, OrgGroupsRequest, pageWindow } from '@im/contracts';
import { assertMayReadOrganization } from '../authorize.js';
import type { GroupDeps } from '../deps.js';

/** `GET /im/org/<organization_id>/groups?page=&per_page=`: ordered by id (GroupLists). */
export const orgGroupsEndpoint = (deps: GroupDeps) =>
  defineEndpoint({
    name: 'org_groups',
    subject: GroupSubjects.orgGroups,
    request: OrgGroupsRequest,
    handle: async ({ organization_id, page, per_page }, { caller }): Promise<OrgGroupsReply> => {
      assertMayReadOrganization(caller, organization_id);
      const { skip, limit } = pageWindow(page, per_page);
      const { total, items } = await deps.lists.orgPage(organization_id, skip, limit);
      return { total_count: total, data: items.map((g) => ({ id: g.id, group_name: g.group_name })) };
    },
  });
