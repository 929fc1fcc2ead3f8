import type { Collection, Db } from 'mongodb';
import type { OutgoingEvent } from './publisher.js';

/** Something a relay can finish: events written but maybe not yet published. */
export interface RelaySource {
  readonly name: string;
  /** Pending events created before `olderThan`, oldest first. */
  findPending(olderThan: Date, limit: number): Promise<OutgoingEvent[]>;
  /**
   * Runs before a relayed publish: re-applies the change an intent announces (idempotently).
   * `false` means the change was refused on re-apply (it no longer can happen): the event is
   * settled without being published.
   */
  prepare?(event: OutgoingEvent): Promise<void> | Promise<boolean>;
  markSent(id: string): Promise<void>;
}

interface OutboxDoc {
  _id: string;
  subject: string;
  payload: unknown;
  sent: boolean;
  created_at: Date;
  sent_at?: Date;
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
    await this.#docs.createIndex({ sent: 1, created_at: 1 });
  }

  async add(event: OutgoingEvent): Promise<void> {
    await this.#docs.insertOne({
      _id: event.id,
      subject: event.subject,
      payload: event.payload,
      sent: false,
      created_at: new Date(),
    });
  }

  async findPending(olderThan: Date, limit: number): Promise<OutgoingEvent[]> {
    const docs = await this.#docs
      .find({ sent: false, created_at: { $lt: olderThan } })
      .sort({ created_at: 1 })
      .limit(limit)
      .toArray();
    return docs.map((d) => ({ id: d._id, subject: d.subject, payload: d.payload }));
  }

  prepare(event: OutgoingEvent): Promise<void> | Promise<boolean> {
    return this.#prepare?.(event) ?? Promise.resolve();
  }

  async markSent(id: string): Promise<void> {
    await this.#docs.updateOne({ _id: id }, { $set: { sent: true, sent_at: new Date() } });
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

  /** Pending events, for tests and for operators' health checks. */
  countPending(): Promise<number> {
    return this.#docs.countDocuments({ sent: false });
  }
}
