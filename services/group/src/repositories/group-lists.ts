import { MAX_PER_PAGE } from '@im/contracts';
import { type KeptValues, queryLimit } from '@im/store';
import type { Db } from 'mongodb';
import type { GroupDoc } from './groups.js';
import type { SortedHead } from './sorted-lists/model.js';
import { SortedLists, type SortedPage } from './sorted-lists.js';
import { type UserGroupEntry, UserMemberships } from './user-memberships.js';

/**
 * Entries per chunk of a list of groups (or users): FerretDB's time to read a document grows
 * faster than its size (measured: a 200-entry head 12 ms, a 50-entry one 2 ms), so a page of 100
 * reads two or three small chunks in parallel rather than one large one.
 */
export const LIST_CHUNK = 64;

/**
 * An organization's list of groups is read a page of 20 at a time (`GET /im/org/<id>/groups`),
 * anywhere in it: smaller chunks decode fewer entries per page. Measured on 50,000 groups at 50
 * callers: chunks of 64 gave 479 pages a second, of 16 643; single upserts at 10 callers (creates)
 * 930 and 1,050 a second, with a tail of 16 (a tenth of the chunk, 4, folds twice as often for
 * no gain on reads). Chunk sizes are not positions: lists stored with chunks of 64 keep them, and
 * what changes is written in the new size.
 */
export const ORG_LIST_CHUNK = 16;
export const ORG_LIST_TAIL = 16;

/** An organization's group as its list (and contacts) show it. */
export interface OrgGroupEntry {
  id: number;
  group_name: string;
  group_avatar: string;
}

export const orgEntry = (g: GroupDoc): OrgGroupEntry => ({
  id: g.id,
  group_name: g.group_name,
  group_avatar: g.group_avatar,
});

/**
 * The read models of the list routes, kept by the group changes (GroupChanges) as they apply:
 *
 * - `group_org_lists`: per organization (key `String(organization_id)`), its live groups by id
 *   (`GET /im/org/<id>/groups`, the groups of contacts);
 * - `group_memberships`: per client id, the live groups it is a member of, by id
 *   (`GET /im/user/<client_id>/groups`): one document per membership (UserMemberships).
 *
 * The organization's list is a SortedList: a page and its total are the head and one or two
 * chunks, by `_id`. Entries carry what the pages show, so a rename rewrites the entry in the
 * organization's list and in every member's list.
 */
export class GroupLists {
  readonly orgs: SortedLists<OrgGroupEntry, number>;
  readonly users: UserMemberships;

  /** `orgHeads`: the organizations' list heads kept between writes (SortedLists `heads`). */
  constructor(db: Db, orgHeads?: KeptValues<SortedHead<OrgGroupEntry, number>>) {
    const limit = queryLimit(db);
    this.orgs = new SortedLists<OrgGroupEntry, number>(db, 'group_org_lists', {
      keyOf: (e) => e.id,
      chunkSize: ORG_LIST_CHUNK,
      tailSize: ORG_LIST_TAIL,
      // Every member of a school opens the same first pages of its groups: kept, they are one
      // read of the head while the list does not change (PageCache), none with `orgHeads`.
      cachePagesUpTo: MAX_PER_PAGE,
      ...(orgHeads ? { heads: orgHeads } : {}),
      ...limit,
    });
    this.users = new UserMemberships(db);
  }

  orgPage(organizationId: number, skip: number, limit: number): Promise<SortedPage<OrgGroupEntry>> {
    return this.orgs.page(String(organizationId), skip, limit);
  }

  userPage(clientId: string, skip: number, limit: number): Promise<SortedPage<UserGroupEntry>> {
    return this.users.page(clientId, skip, limit);
  }

  async listed(group: GroupDoc): Promise<void> {
    await this.orgs.change(String(group.organization_id), { upsert: [orgEntry(group)] });
  }

  async unlisted(group: GroupDoc): Promise<void> {
    await this.orgs.change(String(group.organization_id), { remove: [group.id] });
  }

  joined(group: GroupDoc, clientIds: readonly string[]): Promise<void> {
    return this.users.joined(group, clientIds);
  }

  left(groupId: number, clientIds: readonly string[]): Promise<void> {
    return this.users.left(groupId, clientIds);
  }

  /** The new name in the organization's list and in the lists of `members`. */
  async renamed(group: GroupDoc, members: readonly string[]): Promise<void> {
    const name = group.group_name;
    await this.orgs.change(String(group.organization_id), {
      patch: { key: group.id, change: (e) => ({ ...e, group_name: name }) },
    });
    await this.users.renamed(group, members);
  }
}
