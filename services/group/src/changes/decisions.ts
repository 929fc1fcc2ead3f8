import type { GroupEvent } from '@im/contracts';
import type { EventOutcomes, Outcome } from '../repositories/event-outcomes.js';
import type { GroupDoc, Groups } from '../repositories/groups.js';
import type { IdempotencyKeys } from '../repositories/idempotency-keys.js';
import { createdReply } from './group-events.js';

/** What is known of an event before it is applied: its outcome when decided, a create's group. */
export interface Recorded {
  outcome?: Outcome | undefined;
  /** A create's group as stored (null: none); undefined for other events. */
  group?: GroupDoc | null;
}

/**
 * Where each event's outcome is recorded, once, and read before a replay applies it again.
 *
 * Most outcomes are an insert-once record in the day collection of outcomes (EventOutcomes). A
 * create that succeeds is recorded by the write that ends it anyway: its group going from
 * `pending` to `active` (only that change makes a group active, and it is a compare-and-set on
 * `pending`, so it happens once). A group in any status but `pending` had its created event
 * applied (a delete needs an active group), so its status answers a replay, and a create costs no
 * outcome record. A create refused for its conversation leaves its group pending and is recorded
 * like any other outcome, as are creates recorded by older versions, so a pending group's outcome
 * is looked up there.
 */
export class Decisions {
  constructor(private readonly stores: { groups: Groups; keys: IdempotencyKeys; outcomes: EventOutcomes }) {}

  async recorded(event: GroupEvent): Promise<Recorded> {
    const { groups, keys, outcomes } = this.stores;
    if (event.type !== 'created') return { outcome: await outcomes.get(event) };
    const group = await groups.find(event.group_id);
    if (group && group.status !== 'pending') {
      // A crash between the activation and the key's reply leaves the reply to whoever replays.
      const scope = group.idempotency_scope;
      if (scope) await keys.complete(scope, createdReply(event));
      return { outcome: 'applied', group };
    }
    return { outcome: await outcomes.get(event), group };
  }

  /**
   * Records `outcome` unless one is recorded already; answers the one that counts. A create
   * `applied` makes its group active here: members and lists are all written by now.
   */
  async record(event: GroupEvent, group: GroupDoc | null | undefined, outcome: Outcome): Promise<Outcome> {
    const { groups, keys, outcomes } = this.stores;
    if (event.type !== 'created' || outcome !== 'applied' || !group) return outcomes.decide(event, outcome);
    // Not matched: another copy (or a repeat) activated it first, or it was deleted since; applied either way.
    await groups.activate(group.id);
    if (group.idempotency_scope) await keys.complete(group.idempotency_scope, createdReply(event));
    return 'applied';
  }
}
