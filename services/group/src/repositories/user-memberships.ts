import { isDuplicateKeyError, queryLimit } from '@im/store';
import type { Collection, Db } from 'mongodb';
import type { GroupDoc } from './groups.js';

/** A group as a member's list of groups shows it. */
export interface UserGroupEntry {
  id: number;
  group_name: string;
  organization_id: number;
  conversion_id: string;
  group_avatar: string;
}

type StoredMembership = UserGroupEntry & { _id: string };

/** Statements name at most this many `_id`s: what FerretDB looks up through its index at once. */
const BATCH = 1_000;
/** Group ids are padded to this many digits, so that the `_id` order is the group id order. */
const ID_DIGITS = 16;

/**
 * The prefix of every membership `_id` of a client: its id in hex, then `_`. Hex keeps the prefix
 * to letters and digits whatever the client id holds (a `_` or a `|` in it cannot make one
 * client's prefix another's), which is what FerretDB serves as one index range (docs/ferretdb.md,
 * "Our build": id-pushdown) and MongoDB with index bounds.
 */
export const membershipPrefix = (clientId: string): string =>
  `${Buffer.from(clientId, 'utf8').toString('hex')}_`;

export const membershipId = (clientId: string, groupId: number): string =>
  membershipPrefix(clientId) + String(groupId).padStart(ID_DIGITS, '0');

export const userEntry = (g: GroupDoc): UserGroupEntry => ({
  id: g.id,
  group_name: g.group_name,
  organization_id: g.organization_id,
  conversion_id: g.conversion_id,
  group_avatar: g.group_avatar,
});

/**
 * `group_memberships`: one small document per (client, live group), `_id`
 * `<hex client id>_<group id, 16 digits>`, holding what `GET /im/user/<id>/groups` shows. A client's
 * groups are one anchored prefix of `_id`, in group id order.
 *
 * They replace one sorted list per client (a head and chunks, written compare-and-set): a group
 * created with ten members wrote ten lists, each a read and a rewrite of a document. Now its
 * members' entries are one `insertMany`, a removal one `deleteMany` and a rename one
 * `updateMany`, each by `_id $in`; on FerretDB an insert of ten small documents in one statement
 * costs about what one rewrite of a list head did (measured: 10,400 against 1,000 documents a
 * second). Every write is idempotent, so a change applied again (the relay after a crash) changes
 * nothing: an entry already there is kept.
 */
export class UserMemberships {
  readonly #docs: Collection<StoredMembership>;
  readonly #limit: { maxTimeMS: number };

  constructor(db: Db) {
    this.#docs = db.collection<StoredMembership>('group_memberships');
    this.#limit = queryLimit(db);
  }

  get collection(): Collection<StoredMembership> {
    return this.#docs;
  }

  /**
   * A page of a client's groups by id, and how many there are. One statement reads all of the
   * client's entries (FerretDB sorts and skips in its own process, so a count and a page would
   * read them twice); the page is cut here.
   */
  async page(
    clientId: string,
    skip: number,
    limit: number,
  ): Promise<{ total: number; items: UserGroupEntry[] }> {
    const all = await this.#docs
      .find(
        { _id: { $regex: `^${membershipPrefix(clientId)}` } },
        { ...this.#limit, sort: { _id: 1 }, projection: { _id: 0 } },
      )
      .toArray();
    return { total: all.length, items: all.slice(skip, skip + limit) };
  }

  /** The group in each client's list; an entry already there stays as it is. */
  async joined(group: GroupDoc, clientIds: readonly string[]): Promise<void> {
    const entry = userEntry(group);
    for (const batch of batches(clientIds)) {
      try {
        await this.#docs.insertMany(
          batch.map((clientId) => ({ _id: membershipId(clientId, group.id), ...entry })),
          { ordered: false },
        );
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error; // already listed: applied before
      }
    }
  }

  async left(groupId: number, clientIds: readonly string[]): Promise<void> {
    for (const batch of batches(clientIds)) {
      await this.#docs.deleteMany({ _id: { $in: batch.map((clientId) => membershipId(clientId, groupId)) } });
    }
  }

  /** The group's new name in the lists of `members`. */
  async renamed(group: GroupDoc, members: readonly string[]): Promise<void> {
    for (const batch of batches(members)) {
      await this.#docs.updateMany(
        { _id: { $in: batch.map((clientId) => membershipId(clientId, group.id)) } },
        { $set: { group_name: group.group_name } },
      );
    }
  }
}

function* batches<T>(items: readonly T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += BATCH) yield items.slice(i, i + BATCH);
}
