import { randomUUID } from 'node:crypto';
import type { CreateGroupReply, GroupCreatedEvent } from '@im/contracts';
import { isDuplicateKeyError } from '@im/store';
import type { Collection, Db } from 'mongodb';

export interface IdempotencyDoc {
  /** `<organization_id>:<key>`: keys are scoped per organization. */
  _id: string;
  /** Of the normalized request: the same key with another request is a conflict. */
  request_hash: string;
  /**
   * Which claim of the key this is: a claim released as stale and claimed again gets a new
   * token, so the request that lost it cannot record its intent over the new one.
   * (Absent on claims written before tokens existed.)
   */
  token?: string | null;
  /**
   * The created event, recorded before its outbox record is written. From then on the key's
   * group is decided: a repeat finishes this event (every step is idempotent by event id) rather
   * than creating another group, and the claim is never released.
   */
  intent?: GroupCreatedEvent | null;
  /** Set once the group's creation is applied (by the request, a repeat or the relay). */
  reply: CreateGroupReply | null;
  created_at: Date;
}

/** A claim this request holds: the key's scope and the token that proves the claim is still ours. */
export interface KeyClaim {
  scope: string;
  token: string;
}

/** The `group_idempotency_keys` collection: one claim per key, by insert. */
export class IdempotencyKeys {
  readonly #docs: Collection<IdempotencyDoc>;

  constructor(db: Db) {
    this.#docs = db.collection<IdempotencyDoc>('group_idempotency_keys');
  }

  /**
   * The claim as a repeat polls it: everything but the intent's body (a member list can be
   * large), of which only `event_id` says whether there is one. `intentOf` reads the whole event.
   */
  find(scope: string): Promise<IdempotencyDoc | null> {
    return this.#docs.findOne(
      { _id: scope },
      { projection: { request_hash: 1, token: 1, reply: 1, created_at: 1, 'intent.event_id': 1 } },
    );
  }

  async intentOf(scope: string): Promise<GroupCreatedEvent | undefined> {
    return (await this.#docs.findOne({ _id: scope }, { projection: { intent: 1 } }))?.intent ?? undefined;
  }

  /** The claim when this request now owns the key; undefined when another request claimed it first. */
  async claim(scope: string, requestHash: string, at = new Date()): Promise<KeyClaim | undefined> {
    const token = randomUUID();
    try {
      await this.#docs.insertOne({
        _id: scope,
        request_hash: requestHash,
        token,
        intent: null,
        reply: null,
        created_at: at,
      });
      return { scope, token };
    } catch (error) {
      if (isDuplicateKeyError(error)) return undefined;
      throw error;
    }
  }

  /**
   * Records the created event on the claim, if the claim is still ours and has none. Read back
   * after the write: an update may write back the document it read (docs/ferretdb.md, "Updates"),
   * so a claim released and claimed again meanwhile is only recognised by its token afterwards. False: the claim was
   * lost, and the caller must not go on creating.
   */
  async recordIntent(claim: KeyClaim, event: GroupCreatedEvent): Promise<boolean> {
    await this.#docs.updateOne(
      { _id: claim.scope, token: claim.token, intent: null },
      { $set: { intent: event } },
    );
    const doc = await this.#docs.findOne({ _id: claim.scope }, { projection: { token: 1, intent: 1 } });
    return doc?.token === claim.token && doc.intent?.event_id === event.event_id;
  }

  async complete(scope: string, reply: CreateGroupReply): Promise<void> {
    await this.#docs.updateOne({ _id: scope, reply: null }, { $set: { reply } });
  }

  /**
   * Frees a claim whose request died before recording its intent (none after `before`), so a
   * retry can create the group. Only the claim that was seen (its token) is freed, never one
   * with an intent: that group is decided, and a repeat finishes it.
   */
  async releaseStale(scope: string, token: string | null | undefined, before: Date): Promise<void> {
    await this.#docs.deleteOne({
      _id: scope,
      token: token ?? null,
      intent: null,
      reply: null,
      created_at: { $lt: before },
    });
  }

  /**
   * Frees the key of a create that was refused when applied (its conversation was taken), so the
   * key is not spent on a group that was never made: a retry decides again.
   */
  async releaseRefused(scope: string, eventId: string): Promise<void> {
    await this.#docs.deleteOne({ _id: scope, 'intent.event_id': eventId, reply: null });
  }

  /**
   * Forgets keys whose group was created before `before`: a key is good for a retry window (24 h
   * by default, as payment APIs have it), not forever. A claim still waiting for its reply stays.
   */
  async expire(before: Date): Promise<number> {
    return (await this.#docs.deleteMany({ reply: { $ne: null }, created_at: { $lt: before } })).deletedCount;
  }
}
