import { isDuplicateKeyError } from '@im/store';
import type { Collection, Db } from 'mongodb';

/**
 * What became of a change intent: `applied`, or refused because the group was deleted first, or
 * `superseded` (a second delete of one group), or `conversation_taken` (a create whose
 * conversation another live group holds). Recorded once, by insert: the request and a relay
 * that replays the same intent agree on one outcome, and a replay never re-applies a change that
 * was already decided (an add replayed after a later remove would otherwise bring members back).
 */
export type Outcome = 'applied' | 'group_deleted' | 'superseded' | 'conversation_taken';

interface OutcomeDoc {
  _id: string;
  outcome: Outcome;
  decided_at: Date;
}

export class EventOutcomes {
  readonly #docs: Collection<OutcomeDoc>;

  constructor(db: Db) {
    this.#docs = db.collection<OutcomeDoc>('group_event_outcomes');
  }

  async get(eventId: string): Promise<Outcome | undefined> {
    return (await this.#docs.findOne({ _id: eventId }))?.outcome;
  }

  /** Records `outcome` unless one is recorded already; returns the one that counts. */
  async decide(eventId: string, outcome: Outcome): Promise<Outcome> {
    try {
      await this.#docs.insertOne({ _id: eventId, outcome, decided_at: new Date() });
      return outcome;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      return (await this.get(eventId)) ?? outcome;
    }
  }

  /** Forgets the outcomes of these events: only once their outbox records are sent and purged. */
  async remove(eventIds: string[]): Promise<void> {
    if (eventIds.length > 0) await this.#docs.deleteMany({ _id: { $in: eventIds } });
  }
}
