import type { Collection, Db } from 'mongodb';
import {
  dueFilter,
  dueOrder,
  failureUpdate,
  freshRelayFields,
  parkedFilter,
  relayIndexKeys,
  retryParkedUpdate,
} from './outbox-fields.js';
import type { OutgoingEvent } from './publisher.js';
import type { PendingEvent, RelayFailure, RelaySource } from './relay-source.js';

export type { RelaySource } from './relay-source.js';

interface OutboxDoc {
  _id: string;
  subject: string;
  payload: unknown;
  sent: boolean;
  created_at: Date;
  sent_at?: Date;
  // The relay's bookkeeping (outbox-fields.ts); absent on documents older than it.
  retry_at?: Date;
  attempts?: number;
  last_error?: string;
  parked?: boolean;
  parked_at?: Date;
}

/**
 * An outbox collection: the event is inserted (one single-document write) before the change it
 * announces is applied, then published, then marked sent. Whatever a crash interrupts, the relay
 * finds still pending and finishes, calling `prepare` to re-apply the change first.
 */
export class Outbox implements RelaySource {
  readonly name: string;
  readonly #docs: Collection<OutboxDoc>;
  readonly #prepare: ((event: OutgoingEvent) => Promise<void> | Promise<boolean>) | undefined;

  constructor(
    db: Db,
    options: {
      collection?: string;
      prepare?: (event: OutgoingEvent) => Promise<void> | Promise<boolean>;
    } = {},
  ) {
    this.name = options.collection ?? 'outbox';
    this.#docs = db.collection<OutboxDoc>(this.name);
    this.#prepare = options.prepare;
  }

  async ensureIndexes(): Promise<void> {
    // Pending counts and the clean-up's look for sent events use the `sent` prefix.
    await this.#docs.createIndex({ sent: 1, created_at: 1 });
    // The relay: due events only, so a failing event never hides the ones behind it.
    await this.#docs.createIndex(relayIndexKeys(''));
  }

  async add(event: OutgoingEvent): Promise<void> {
    await this.#docs.insertOne({
      _id: event.id,
      subject: event.subject,
      payload: event.payload,
      ...freshRelayFields(new Date()),
    });
  }

  async findPending(olderThan: Date, limit: number, now: Date = new Date()): Promise<PendingEvent[]> {
    const docs = await this.#docs
      .find(dueFilter('', olderThan, now), {
        projection: { _id: 1, subject: 1, payload: 1, attempts: 1 },
      })
      .sort(dueOrder(''))
      .limit(limit)
      .toArray();
    return docs.map((d) => ({
      id: d._id,
      subject: d.subject,
      payload: d.payload,
      attempts: d.attempts ?? 0,
    }));
  }

  prepare(event: OutgoingEvent): Promise<void> | Promise<boolean> {
    return this.#prepare?.(event) ?? Promise.resolve();
  }

  async markSent(id: string): Promise<void> {
    await this.#docs.updateOne({ _id: id }, { $set: { sent: true, sent_at: new Date() } });
  }

  async recordFailure(id: string, failure: RelayFailure): Promise<void> {
    await this.#docs.updateOne({ _id: id, sent: false }, failureUpdate('', failure));
  }

  countParked(): Promise<number> {
    return this.#docs.countDocuments(parkedFilter(''));
  }

  /** Makes every parked event due again with a fresh count (what docs/broadcast.md shows in mongosh). */
  async retryParked(): Promise<number> {
    return (await this.#docs.updateMany(parkedFilter(''), retryParkedUpdate(''))).modifiedCount;
  }

  /**
   * Ids of events sent before `before` (oldest first, at most `limit`): what a clean-up may now
   * delete. Pending ones are never listed, however old: the relay still owes them.
   */
  async sentBefore(before: Date, limit: number): Promise<string[]> {
    const docs = await this.#docs
      .find({ sent: true, sent_at: { $lt: before } }, { projection: { _id: 1 } })
      .limit(limit)
      .toArray();
    return docs.map((d) => d._id);
  }

  async remove(ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return (await this.#docs.deleteMany({ _id: { $in: ids }, sent: true })).deletedCount;
  }

  /** Pending events (parked ones included), for tests and for operators' health checks. */
  countPending(): Promise<number> {
    return this.#docs.countDocuments({ sent: false });
  }
}
