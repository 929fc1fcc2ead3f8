import { defineEndpoint, EncodedReply } from '@im/bus';
import {
  type Contact,
  GroupSubjects,
  jsonBytes,
  type OrgContactsReply,
  OrgContactsRequest,
} from '@im/contracts';
import { assertMayReadOrganization } from '../authorize.js';
import { ContactsCache } from '../contacts-cache.js';
import type { GroupDeps } from '../deps.js';

/** The API document shows `"0"` for a contact without an avatar. */
const NO_AVATAR = '0';
/**
 * The most contacts one reply lists. The document's endpoint has no paging, and a school's
 * 200,000 users are tens of megabytes: far over NATS `max_payload` and no use to a client as
 * one list. The reply lists the first contacts (groups by id, then users by uid) up to this count
 * and to the reply's byte budget (docs/group.md, "Contacts").
 */
export const CONTACTS_MAX = 1_000;
/** Entries read per look-up. */
const PAGE = 200;

/**
 * `GET /im/org/<organization_id>/contacts`: the organization's groups, then its users (from the
 * directory projection), each ordered by id, at most CONTACTS_MAX and `memberListBytes` of JSON.
 */
export const orgContactsEndpoint = (deps: GroupDeps) => {
  // Contacts is the largest read (up to 1,000 entries from several chunks); most calls find both
  // lists unchanged since the last (ContactsCache), and get the reply as it was encoded then.
  const cache = new ContactsCache<EncodedReply<OrgContactsReply>>();
  return defineEndpoint({
    name: 'org_contacts',
    subject: GroupSubjects.orgContacts,
    request: OrgContactsRequest,
    handle: async ({ organization_id }, { caller }): Promise<EncodedReply<OrgContactsReply>> => {
      assertMayReadOrganization(caller, organization_id);
      const key = String(organization_id);
      const versions = await Promise.all([deps.lists.orgs.version(key), deps.users.lists.version(key)]);
      return cache.getOrBuild(organization_id, versions, async () => {
        return new EncodedReply<OrgContactsReply>({ data: await contactsOf(deps, organization_id) });
      });
    },
  });
};

/** The organization's groups, then its users, up to CONTACTS_MAX and the reply's byte budget. */
async function contactsOf(deps: GroupDeps, organization_id: number): Promise<Contact[]> {
  const data: Contact[] = [];
  let bytes = 2;
  const room = (c: Contact) => {
    const size = jsonBytes(c) + 1;
    if (data.length >= CONTACTS_MAX || bytes + size > deps.memberListBytes) return false;
    data.push(c);
    bytes += size;
    return true;
  };
  const full = await addPages(
    (skip) => deps.lists.orgPage(organization_id, skip, PAGE),
    (g) => room({ id: g.id, avatar: g.group_avatar || NO_AVATAR, name: g.group_name, type: 'group' }),
  );
  if (!full) {
    await addPages(
      (skip) => deps.users.page(organization_id, skip, PAGE),
      (u) => room({ id: u.uid, avatar: u.avatar || NO_AVATAR, name: u.name, type: 'user' }),
    );
  }
  return data;
}

/** Adds a list's entries, PAGE at a time, until `add` refuses one (true: full) or the list ends. */
async function addPages<T>(
  page: (skip: number) => Promise<{ total: number; items: T[] }>,
  add: (entry: T) => boolean,
): Promise<boolean> {
  for (let skip = 0; ; skip += PAGE) {
    const { total, items } = await page(skip);
    for (const entry of items) if (!add(entry)) return true;
    if (skip + PAGE >= total) return false;
  }
}
