import { defineEndpoint } from '@im/bus';
import { type Contact, GroupSubjects, type OrgContactsReply, OrgContactsRequest } from '@im/contracts';
import { assertMayReadOrganization } from '../authorize.js';
import type { GroupDeps } from '../deps.js';

/** The API document shows `"0"` for a contact without an avatar. */
const NO_AVATAR = '0';

/**
 * `GET /im/org/<organization_id>/contacts`: the organization's groups, then its users (from the
 * directory projection), each ordered by id.
 */
export const orgContactsEndpoint = (deps: GroupDeps) =>
  defineEndpoint({
    name: 'org_contacts',
    subject: GroupSubjects.orgContacts,
    request: OrgContactsRequest,
    handle: async ({ organization_id }, { caller }): Promise<OrgContactsReply> => {
      assertMayReadOrganization(caller, organization_id);
      const [groups, users] = await Promise.all([
        deps.groups.allByOrganization(organization_id),
        deps.users.listByOrganization(organization_id),
      ]);
      const data: Contact[] = [
        ...groups.map((g) => ({
          id: g.id,
          avatar: g.group_avatar || NO_AVATAR,
          name: g.group_name,
          type: 'group' as const,
        })),
        ...users.map((u) => ({
          id: u.uid,
          avatar: u.avatar || NO_AVATAR,
          name: u.name,
          type: 'user' as const,
        })),
      ];
      return { data };
    },
  });
