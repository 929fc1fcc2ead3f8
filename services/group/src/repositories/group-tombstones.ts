import { isDuplicateKeyError } from '@im/store';
import type { Collection, Db } from 'mongodb';

interface TombstoneDoc {
  /** `String(group_id)` (older versions wrote the number: copied at start, see migrate.ts). */
  _id: string;
  event_id: string;
  deleted_at: Date;
}

/**
 * One insert-once record per deleted group. The `status` field of a group is what reads filter on,
 * but it is written after the tombstone, and where updates are not atomic a concurrent rename can
 * write an old `status` back (docs/ferretdb.md, "Updates"). The tombstone cannot be lost either
 * way: every writer of a group checks it after its own write and puts `deleted` back if needed,
 * and the first delete to insert it is the one delete.
 */
export class GroupTombstones {
  readonly #docs: Collection<TombstoneDoc>;

  constructor(db: Db) {
    this.#docs = db.collection<TombstoneDoc>('group_tombstones');
  }

  /** Records the deletion; returns the id of the event that deleted the group (maybe another). */
  async record(groupId: number, eventId: string): Promise<string> {
    try {
      await this.#docs.insertOne({ _id: String(groupId), event_id: eventId, deleted_at: new Date() });
      return eventId;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const existing = await this.#docs.findOne({ _id: String(groupId) });
      if (!existing) throw error;
      return existing.event_id;
    }
  }

  async exists(groupId: number): Promise<boolean> {
    return (await this.#docs.findOne({ _id: String(groupId) }, { projection: { _id: 1 } })) !== null;
  }
}
