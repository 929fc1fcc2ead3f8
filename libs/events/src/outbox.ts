import type { Collection, Db } from 'mongodb';
import {
  dueFilter,
  dueOrder,
  failureUpdate,
  freshRelayFields,
  parkedFilter,
  publishableSince,
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
  publishable_since?: Date;
}

/**
 * An outbox collection: the event is inserted (one single-document write) before the change it
 * announces is applied, then published, then deleted (`markSent`). Whatever a crash interrupts, the
 * relay finds still pending and finishes, calling `prepare` to re-apply the change first.
 *
 * The collection holds only pending (and parked) events: it stays tiny by construction, so the
 * relay's look for due events (a filter on several fields, which FerretDB 1.24 answers by a scan,
 * docs/ferretdb.md, "Lookups") costs next to nothing and does not grow with history. Documents
 * marked `sent: true` by older versions are removed by `purgeSent` (once, at start).
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
        projection: {
          _id: 1,
          subject: 1,
          payload: 1,
          attempts: 1,
          created_at: 1,
          retry_at: 1,
          publishable_since: 1,
        },
      })
      .sort(dueOrder(''))
      .limit(limit)
      .toArray();
    return docs.map((d) => ({
      id: d._id,
      subject: d.subject,
      payload: d.payload,
      attempts: d.attempts ?? 0,
      publishableSince: publishableSince(d),
    }));
  }

  prepare(event: OutgoingEvent): Promise<void> | Promise<boolean> {
    return this.#prepare?.(event) ?? Promise.resolve();
  }

  /** Published (or settled): nothing is left to do, so the record goes (a look-up by `_id`). */
  async markSent(id: string): Promise<void> {
    await this.#docs.deleteOne({ _id: id });
  }

  async recordFailure(id: string, failure: RelayFailure): Promise<void> {
    // By `_id` alone: a record another relay sent is gone, and the update then matches nothing.
    await this.#docs.updateOne({ _id: id }, failureUpdate('', failure));
  }

  countParked(): Promise<number> {
    return this.#docs.countDocuments(parkedFilter(''));
  }

  /** Makes every parked event due again with a fresh count (what docs/broadcast.md shows in mongosh). */
  async retryParked(): Promise<number> {
    return (await this.#docs.updateMany(parkedFilter(''), retryParkedUpdate(''))).modifiedCount;
  }

  /** Removes records older versions kept after sending them; answers how many. */
  async purgeSent(): Promise<number> {
    return (await this.#docs.deleteMany({ sent: true })).deletedCount;
  }

  /** Pending events (parked ones included), for tests and for operators' health checks. */
  countPending(): Promise<number> {
    return this.#docs.countDocuments({ sent: false });
  }
}
