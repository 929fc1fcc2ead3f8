import type { CreateGroupReply } from '@im/contracts';
import { isDuplicateKeyError } from '@im/store';
import type { Collection, Db } from 'mongodb';

export interface IdempotencyDoc {
  /** `<organization_id>:<key>`: keys are scoped per organization. */
  _id: string;
  /** Of the normalized request: the same key with another request is a conflict. */
  request_hash: string;
  /** Set once the group's creation is certain (its intent is recorded). */
  reply: CreateGroupReply | null;
  created_at: Date;
}

/** The `group_idempotency_keys` collection: one claim per key, by insert. */
export class IdempotencyKeys {
  readonly #docs: Collection<IdempotencyDoc>;

  constructor(db: Db) {
    this.#docs = db.collection<IdempotencyDoc>('group_idempotency_keys');
  }

  find(scope: string): Promise<IdempotencyDoc | null> {
    return this.#docs.findOne({ _id: scope });
  }

  /** True when this request now owns the key; false when another request claimed it first. */
  async claim(scope: string, requestHash: string): Promise<boolean> {
    try {
      await this.#docs.insertOne({
        _id: scope,
        request_hash: requestHash,
        reply: null,
        created_at: new Date(),
      });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async complete(scope: string, reply: CreateGroupReply): Promise<void> {
    await this.#docs.updateOne({ _id: scope, reply: null }, { $set: { reply } });
  }

  /**
   * Frees a claim whose request died before recording anything (no reply after `before`), so a
   * retry can create the group. A claim whose creation was recorded always gets its reply (from
   * the request or from the relay), so it is never freed.
   */
  async releaseStale(scope: string, before: Date): Promise<void> {
    await this.#docs.deleteOne({ _id: scope, reply: null, created_at: { $lt: before } });
  }

  /**
   * Forgets keys whose group was created before `before`: a key is good for a retry window (24 h
   * by default, as payment APIs have it), not forever. A claim still waiting for its reply stays.
   */
  async expire(before: Date): Promise<number> {
    return (await this.#docs.deleteMany({ reply: { $ne: null }, created_at: { $lt: before } })).deletedCount;
  }
}
