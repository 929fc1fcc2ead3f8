import { isDuplicateKeyError, queryLimit } from '@im/store';
import type { Collection, Db } from 'mongodb';

/** One document per member: concurrent adds cannot lose each other as array updates can. */
export interface MemberDoc {
  group_id: number;
  client_id: string;
  /** The event whose change inserted this member. */
  added_by: string;
  added_at: Date;
}

/** insertMany batches: a 2000-member group is two round trips, and no command grows large. */
const BATCH = 1_000;

/** The `group_members` collection: the unique index (group_id, client_id) keeps each member once. */
export class GroupMembers {
  readonly #docs: Collection<MemberDoc>;
  /** maxTimeMS of the reads that answer requests (queryLimit). */
  readonly #limit: { maxTimeMS: number };

  constructor(db: Db) {
    this.#docs = db.collection<MemberDoc>('group_members');
    this.#limit = queryLimit(db);
  }

  async ensureIndexes(): Promise<void> {
    await this.#docs.createIndex({ group_id: 1, client_id: 1 }, { unique: true });
    await this.#docs.createIndex({ client_id: 1 });
  }

  /**
   * Inserts whoever is not a member yet. A duplicate is someone already in (added by a concurrent
   * request or by an earlier attempt of this one): for an add, that counts as done.
   */
  async insertMissing(groupId: number, clientIds: readonly string[], eventId: string): Promise<void> {
    const now = new Date();
    for (let start = 0; start < clientIds.length; start += BATCH) {
      const docs = clientIds
        .slice(start, start + BATCH)
        .map((client_id) => ({ group_id: groupId, client_id, added_by: eventId, added_at: now }));
      try {
        await this.#docs.insertMany(docs, { ordered: false });
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
    }
  }

  async remove(groupId: number, clientIds: readonly string[]): Promise<void> {
    await this.#docs.deleteMany({ group_id: groupId, client_id: { $in: [...clientIds] } });
  }

  /** Which of `clientIds` are members. */
  async present(groupId: number, clientIds: readonly string[]): Promise<Set<string>> {
    const docs = await this.#docs
      .find(
        { group_id: groupId, client_id: { $in: [...clientIds] } },
        { ...this.#limit, projection: { _id: 0, client_id: 1 } },
      )
      .toArray();
    return new Set(docs.map((d) => d.client_id));
  }

  /** Counted from the records, never kept in a counter that concurrent writers could get wrong. */
  count(groupId: number): Promise<number> {
    return this.#docs.countDocuments({ group_id: groupId }, this.#limit);
  }

  /** Every member, ascending. */
  async list(groupId: number): Promise<string[]> {
    const docs = await this.#docs
      .find({ group_id: groupId }, { ...this.#limit, projection: { _id: 0, client_id: 1 } })
      .sort({ client_id: 1 })
      .toArray();
    return docs.map((d) => d.client_id);
  }

  async groupsOf(clientId: string): Promise<number[]> {
    const docs = await this.#docs
      .find({ client_id: clientId }, { ...this.#limit, projection: { _id: 0, group_id: 1 } })
      .toArray();
    return docs.map((d) => d.group_id);
  }
}
