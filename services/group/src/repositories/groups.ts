import { type Counters, queryLimit } from '@im/store';
import type { Collection, Db } from 'mongodb';

/**
 * `pending` is a group whose id is reserved and whose creation is under way (invisible to every
 * read); `deleted` is the soft delete of the old system. Reads only ever see `active`.
 */
export type GroupStatus = 'pending' | 'active' | 'deleted';

export interface GroupDoc {
  id: number;
  organization_id: number;
  group_name: string;
  conversion_id: string;
  group_avatar: string;
  /** Empty when the group has no admin. */
  admin_uid: string;
  description: string;
  status: GroupStatus;
  /** `occurred_at` of the change that set the name: a replayed older rename never wins. */
  name_set_at: Date;
  /** `<organization_id>:<Idempotency-Key>` of the create that made it, if it sent one. */
  idempotency_scope: string | null;
  created_at: Date;
  updated_at: Date;
  deleted_at?: Date;
}

export type NewGroup = Omit<GroupDoc, 'id' | 'status' | 'updated_at' | 'deleted_at'>;

const COUNTER = 'groups';
const SUMMARY = { projection: { _id: 0, id: 1, group_name: 1, group_avatar: 1 } } as const;

/** The `groups` collection. Only renames and status changes update a group document. */
export class Groups {
  readonly #docs: Collection<GroupDoc>;
  /** maxTimeMS of the reads that answer requests (queryLimit). */
  readonly #limit: { maxTimeMS: number };

  constructor(
    db: Db,
    private readonly counters: Counters,
  ) {
    this.#docs = db.collection<GroupDoc>('groups');
    this.#limit = queryLimit(db);
  }

  async ensureIndexes(): Promise<void> {
    // The guard of id allocation: a number handed out twice fails here and is asked for again.
    await this.#docs.createIndex({ id: 1 }, { unique: true });
    await this.#docs.createIndex({ organization_id: 1, status: 1, id: 1 });
    // The conversation look-up of a conversation no live group claims (GroupConversations).
    await this.#docs.createIndex({ conversion_id: 1, status: 1, id: 1 });
  }

  /** Inserts the group as `pending` under a fresh integer id and returns the id. */
  reserve(group: NewGroup): Promise<number> {
    return this.counters.insertWithNewId<GroupDoc>(this.#docs, COUNTER, (id) => ({
      ...group,
      id,
      status: 'pending',
      updated_at: group.created_at,
    }));
  }

  find(id: number): Promise<GroupDoc | null> {
    return this.#docs.findOne({ id }, { projection: { _id: 0 } });
  }

  findActive(id: number): Promise<GroupDoc | null> {
    return this.#docs.findOne({ id, status: 'active' }, { projection: { _id: 0 } });
  }

  /** Only a pending group becomes active: a replay cannot revive a deleted one. */
  async activate(id: number): Promise<void> {
    await this.#docs.updateOne(
      { id, status: 'pending' },
      { $set: { status: 'active', updated_at: new Date() } },
    );
  }

  /** Sets the name unless a newer rename already did (or the group is not active). */
  async rename(id: number, name: string, at: Date): Promise<void> {
    await this.#docs.updateOne(
      { id, status: 'active', name_set_at: { $lte: at } },
      { $set: { group_name: name, name_set_at: at, updated_at: new Date() } },
    );
  }

  async markDeleted(id: number): Promise<void> {
    const now = new Date();
    await this.#docs.updateOne({ id }, { $set: { status: 'deleted', deleted_at: now, updated_at: now } });
  }

  /**
   * The newest group that was made (active or deleted, never a pending one) with this
   * conversation: what the conversation look-up answers when no live group claims it.
   */
  newestWithConversation(conversionId: string): Promise<GroupDoc | null> {
    return this.#docs.findOne(
      { conversion_id: conversionId, status: { $in: ['active', 'deleted'] } },
      { projection: { _id: 0 }, sort: { id: -1 } },
    );
  }

  /** Live groups' conversations, oldest group first: the claims backfill reads these. */
  activeConversations(): AsyncIterable<{ id: number; conversion_id: string }> {
    return this.#docs
      .find({ status: 'active' }, { projection: { _id: 0, id: 1, conversion_id: 1 } })
      .sort({ id: 1 });
  }

  countByOrganization(organizationId: number): Promise<number> {
    return this.#docs.countDocuments({ organization_id: organizationId, status: 'active' }, this.#limit);
  }

  /** A page of the organization's groups, ordered by id. */
  pageByOrganization(organizationId: number, skip: number, limit: number) {
    return this.#docs
      .find({ organization_id: organizationId, status: 'active' }, { ...this.#limit, ...SUMMARY })
      .sort({ id: 1 })
      .skip(skip)
      .limit(limit)
      .toArray();
  }

  /** Every group of the organization (contacts), ordered by id. */
  allByOrganization(organizationId: number) {
    return this.#docs
      .find({ organization_id: organizationId, status: 'active' }, { ...this.#limit, ...SUMMARY })
      .sort({ id: 1 })
      .toArray();
  }

  countActive(ids: number[]): Promise<number> {
    return this.#docs.countDocuments({ id: { $in: ids }, status: 'active' }, this.#limit);
  }

  pageActive(ids: number[], skip: number, limit: number) {
    return this.#docs
      .find(
        { id: { $in: ids }, status: 'active' },
        {
          ...this.#limit,
          projection: { _id: 0, id: 1, group_name: 1, organization_id: 1, conversion_id: 1, group_avatar: 1 },
        },
      )
      .sort({ id: 1 })
      .skip(skip)
      .limit(limit)
      .toArray();
  }
}
