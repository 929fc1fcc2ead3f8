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

/** The intent an outcome is about: its id, and when it was asked for (which day keeps it). */
export interface IntentRef {
  event_id: string;
  occurred_at: string;
}

export const OUTCOMES_PREFIX = 'group_event_outcomes_';

/** `group_event_outcomes_20240501`: the collection of the intents asked for on that UTC day. */
export function outcomesCollection(at: Date): string {
  return `${OUTCOMES_PREFIX}${at.toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/**
 * Outcomes live in one collection per UTC day of the intent's `occurred_at`, `_id` = event id:
 * a look-up is by string `_id`, and forgetting old outcomes is dropping whole collections
 * (housekeeping), never a scan.
 */
export class EventOutcomes {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  #docs(intent: IntentRef): Collection<OutcomeDoc> {
    return this.#db.collection<OutcomeDoc>(outcomesCollection(new Date(intent.occurred_at)));
  }

  async get(intent: IntentRef): Promise<Outcome | undefined> {
    return (await this.#docs(intent).findOne({ _id: intent.event_id }))?.outcome;
  }

  /** Records `outcome` unless one is recorded already; returns the one that counts. */
  async decide(intent: IntentRef, outcome: Outcome): Promise<Outcome> {
    try {
      await this.#docs(intent).insertOne({ _id: intent.event_id, outcome, decided_at: new Date() });
      return outcome;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      return (await this.get(intent)) ?? outcome;
    }
  }

  /** Drops the day collections of days wholly before `before`; answers how many. */
  async dropBefore(before: Date): Promise<number> {
    const limit = outcomesCollection(before);
    const names = (await this.#db.listCollections({}, { nameOnly: true }).toArray())
      .map((c) => c.name)
      .filter((n) => n.startsWith(OUTCOMES_PREFIX) && n < limit);
    for (const name of names) await this.#db.dropCollection(name).catch(() => undefined);
    return names.length;
  }
}
