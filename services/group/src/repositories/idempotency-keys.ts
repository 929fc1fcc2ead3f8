import { randomUUID } from 'node:crypto';
import type { CreateGroupReply, GroupCreatedEvent } from '@im/contracts';
import { isDuplicateKeyError, KeyedList, updatesAreAtomic } from '@im/store';
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

const HOUR_MS = 3_600_000;
/** The expiry queue's key of the claims made in hour `h` (hours since the epoch). */
const hourKey = (h: number): string => `h:${h}`;
/** The expiry queue of the hour `at` falls in. */
const queueKeyOf = (at: Date): string => hourKey(Math.floor(at.getTime() / HOUR_MS));
const EXPIRY_STATE = 'expired-through';

interface ExpiryState {
  _id: string;
  hour: number;
}

/**
 * The `group_idempotency_keys` collection: one claim per key, by insert, every read and write by
 * `_id`, a conditional one with its conditions in the filter next to it (docs/ferretdb.md,
 * "Lookups"). Every claim is also listed in the
 * expiry queue `group_idempotency_expiry` (a KeyedList per hour of the claim), so housekeeping
 * visits only the claims whose window has passed, never the whole collection.
 */
export class IdempotencyKeys {
  readonly #docs: Collection<IdempotencyDoc>;
  readonly #queue: KeyedList<string>;
  readonly #state: Collection<ExpiryState>;
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
    this.#docs = db.collection<IdempotencyDoc>('group_idempotency_keys');
    this.#queue = new KeyedList<string>(db, 'group_idempotency_expiry', { bucketSize: 500 });
    this.#state = db.collection<ExpiryState>('group_idempotency_expiry_state');
  }

  /** Lists `scope` for the expiry pass of the hour of `at`. */
  enqueue(scope: string, at: Date): Promise<number> {
    return this.#queue.append(queueKeyOf(at), [scope]);
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
      // The insert just went in, so the scope is listed nowhere yet: one push, no read.
      await this.#queue.appendFresh(queueKeyOf(at), scope);
      return { scope, token };
    } catch (error) {
      if (isDuplicateKeyError(error)) return undefined;
      throw error;
    }
  }

  /**
   * Records the created event on the claim, if the claim is still ours and has none: a
   * compare-and-set on its token. Where updates are atomic (MongoDB, our FerretDB build) its match
   * answers. Elsewhere (docs/ferretdb.md, "Updates") the claim is read first and back after the
   * write: a claim released and claimed again meanwhile is recognised by its token. False: the
   * claim was lost, and the caller must not go on creating.
   */
  async recordIntent(claim: KeyClaim, event: GroupCreatedEvent): Promise<boolean> {
    const filter = { _id: claim.scope, token: claim.token, intent: null };
    if (await updatesAreAtomic(this.#db)) {
      return (await this.#docs.updateOne(filter, { $set: { intent: event } })).matchedCount > 0;
    }
    const seen = await this.find(claim.scope);
    if (seen?.token !== claim.token || seen.intent) return seen?.intent?.event_id === event.event_id;
    await this.#docs.updateOne(filter, { $set: { intent: event } });
    const doc = await this.#docs.findOne({ _id: claim.scope }, { projection: { token: 1, intent: 1 } });
    return doc?.token === claim.token && doc.intent?.event_id === event.event_id;
  }

  /** Stores the reply once: a compare-and-set on there being none (a repeat may finish first). */
  async complete(scope: string, reply: CreateGroupReply): Promise<void> {
    await this.#docs.updateOne({ _id: scope, reply: null }, { $set: { reply } });
  }

  /**
   * Frees a claim whose request died before recording its intent (none after `before`), so a
   * retry can create the group. Only the claim that was seen (its token) is freed, never one
   * with an intent: that group is decided, and a repeat finishes it.
   */
  async releaseStale(scope: string, token: string | null | undefined, before: Date): Promise<void> {
    const seen = await this.find(scope);
    if (!seen || (seen.token ?? null) !== (token ?? null) || seen.intent || seen.reply) return;
    if (seen.created_at >= before) return;
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
    const seen = await this.find(scope);
    if (seen?.intent?.event_id !== eventId || seen.reply) return;
    await this.#docs.deleteOne({ _id: scope, 'intent.event_id': eventId, reply: null });
  }

  /**
   * Forgets keys whose group was created before `before`: a key is good for a retry window (24 h
   * by default, as payment APIs have it), not forever. Visits the expiry queue's hours that ended
   * before `before` and were not visited yet: a claim still waiting for its reply is listed again
   * in the current hour (`now`), to be looked at once more a window later.
   */
  async expire(before: Date, now: Date = new Date()): Promise<number> {
    const through = Math.floor(before.getTime() / HOUR_MS) - 1; // the last hour wholly before `before`
    const state = await this.#state.findOne({ _id: EXPIRY_STATE });
    // A first pass starts a week back: claims older than the queue were listed at start (migrate.ts).
    let hour = state ? state.hour + 1 : through - 24 * 7;
    let expired = 0;
    for (; hour <= through; hour++) {
      const key = hourKey(hour);
      const total = await this.#queue.count(key);
      for (let skip = 0; skip < total; skip += this.#queue.bucketSize) {
        const { items } = await this.#queue.oldestFirst(key, skip, this.#queue.bucketSize);
        for (const scope of items) {
          const doc = await this.find(scope);
          if (!doc) continue;
          if (doc.reply && doc.created_at < before) {
            await this.#docs.deleteOne({ _id: scope });
            expired++;
          } else {
            await this.enqueue(scope, now);
          }
        }
      }
      const buckets = Math.ceil(total / this.#queue.bucketSize);
      for (let k = 0; k < buckets; k++) await this.#queue.docs.deleteOne({ _id: `${key}#${k}` });
      await this.#queue.docs.deleteOne({ _id: key });
      await this.#state.replaceOne({ _id: EXPIRY_STATE }, { hour }, { upsert: true });
    }
    return expired;
  }
}
