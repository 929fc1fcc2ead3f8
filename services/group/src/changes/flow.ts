import { compileValidator, GroupEvent } from '@im/contracts';
import type { EventPublisher, Outbox, OutgoingEvent, Relay } from '@im/events';
import type { Logger } from '@im/log';
import { isDuplicateKeyError } from '@im/store';
import type { Outcome } from '../repositories/event-outcomes.js';
import type { GroupChanges } from './changes.js';
import { toOutgoing } from './group-events.js';

export interface FlowSettings {
  outbox: Outbox;
  changes: GroupChanges;
  publisher: EventPublisher;
  /** The relay of this process: woken when a change stops half way (its failed publishes wake it too). */
  relay: Pick<Relay, 'wake'>;
  log: Logger;
  /** TEST ONLY (GROUP_FAULT_CRASH_BEFORE_PUBLISH): die between the change and its publish. */
  crashBeforePublish: boolean;
}

const validEvent = compileValidator(GroupEvent);

/**
 * Every group change, the outbox way (there are no multi-document transactions): the event is
 * written first as an intent, the change is applied from it, then the event is published with
 * msgID = event id and marked sent. A crash anywhere leaves the intent pending, and the relay
 * finishes it through `prepareIntent`: the same apply, then the publish. `run` may be called again
 * with an event whose intent is already written (a repeated create finishing the first one's
 * recorded intent): every step is idempotent by event id.
 */
export class GroupEventFlow {
  constructor(private readonly settings: FlowSettings) {}

  async run(event: GroupEvent): Promise<Outcome> {
    const { outbox, changes, publisher, relay, log } = this.settings;
    const outgoing = toOutgoing(event);
    try {
      await outbox.add(outgoing);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error; // written already: finishing it
    }
    let outcome: Outcome;
    try {
      outcome = await changes.apply(event);
    } catch (error) {
      relay.wake(); // the intent is written: the relay applies it again as soon as it is its own
      throw error;
    }
    if (outcome !== 'applied') {
      await outbox.markSent(outgoing.id); // refused: nothing changed, nothing to announce
      return outcome;
    }
    if (this.settings.crashBeforePublish) {
      log.warn({ event_id: event.event_id }, 'fault injection: crashing before the publish');
      process.kill(process.pid, 'SIGKILL');
    }
    try {
      await publisher.publish(outgoing);
      await outbox.markSent(outgoing.id);
    } catch (error) {
      // The change stands: the caller gets its answer and the relay, woken, publishes the event.
      relay.wake();
      log.warn({ err: error, event_id: event.event_id }, 'event not published yet; left to the relay');
    }
    return outcome;
  }
}

/**
 * The relay's step before it publishes a pending intent: apply it (again; a decided outcome is not
 * re-applied). `false` (refused, or unreadable) settles the intent without publishing it.
 */
export function prepareIntent(changes: GroupChanges, log: Logger) {
  return async (pending: OutgoingEvent): Promise<boolean> => {
    let event: GroupEvent;
    try {
      event = validEvent(pending.payload);
    } catch (error) {
      // Cannot happen for intents this service wrote; settled rather than blocking the relay.
      log.error({ err: error, event_id: pending.id }, 'unreadable group intent; dropped');
      return false;
    }
    return (await changes.apply(event)) === 'applied';
  };
}
