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

/** As stored: `_id` is `String(id)`, so every look-up is one FerretDB serves from its index. */
type StoredGroup = GroupDoc & { _id: string };

export type NewGroup = Omit<GroupDoc, 'id' | 'status' | 'updated_at' | 'deleted_at'>;

const COUNTER = 'groups';
/** Ids reserved per `$inc` of the counter (docs/group.md, "Ids"). */
export const GROUP_ID_BLOCK = 50;

export const groupKey = (id: number): string => String(id);

/**
 * The `groups` collection, one document per group under `_id: String(id)`: reads and writes are
 * look-ups by that `_id` (docs/ferretdb.md, "Lookups"). Lists of groups live elsewhere
 * (GroupLists). Only renames and status changes update a group document, each a compare-and-set
 * (its condition in the filter, next to the `_id`), so copies of the service may change one group
 * at the same time.
 */
export class Groups {
  readonly #docs: Collection<StoredGroup>;
  /** maxTimeMS of the reads that answer requests (queryLimit). */
  readonly #limit: { maxTimeMS: number };

  constructor(
    db: Db,
    private readonly counters: Counters,
  ) {
    this.#docs = db.collection<StoredGroup>('groups');
    this.#limit = queryLimit(db);
  }

  get collection(): Collection<StoredGroup> {
    return this.#docs;
  }

  /**
   * Inserts the group as `pending` under a fresh integer id and answers it as stored, so that its
   * creation goes on without reading it back.
   */
  async reserve(group: NewGroup): Promise<GroupDoc> {
    const stored = (id: number): GroupDoc => ({
      ...group,
      id,
      status: 'pending',
      updated_at: group.created_at,
    });
    // The `_id` index is the guard of id allocation: a number handed out twice fails here.
    const id = await this.counters.insertWithNewId<StoredGroup>(this.#docs, COUNTER, (id) => ({
      ...stored(id),
      _id: groupKey(id),
    }));
    return stored(id);
  }

  async find(id: number): Promise<GroupDoc | null> {
    const doc = await this.#docs.findOne({ _id: groupKey(id) }, this.#limit);
    if (!doc) return null;
    const { _id, ...group } = doc;
    return group;
  }

  async findActive(id: number): Promise<GroupDoc | null> {
    const group = await this.find(id);
    return group?.status === 'active' ? group : null;
  }

  /**
   * Only a pending group becomes active: a replay cannot revive a deleted one. This is also the
   * recorded outcome of the group's created event (GroupChanges): `pending` is undecided, any other
   * status says it was applied.
   */
  async activate(id: number): Promise<void> {
    await this.#docs.updateOne(
      { _id: groupKey(id), status: 'pending' },
      { $set: { status: 'active', updated_at: new Date() } },
    );
  }

  /** Sets the name unless a newer rename already did (or the group is not active); true if set. */
  async rename(id: number, name: string, at: Date): Promise<boolean> {
    const result = await this.#docs.updateOne(
      { _id: groupKey(id), status: 'active', name_set_at: { $lte: at } },
      { $set: { group_name: name, name_set_at: at, updated_at: new Date() } },
    );
    return result.matchedCount > 0;
  }

  async markDeleted(id: number): Promise<void> {
    const now = new Date();
    await this.#docs.updateOne(
      { _id: groupKey(id) },
      { $set: { status: 'deleted', deleted_at: now, updated_at: now } },
    );
  }
}
