import { compileValidator, GroupEvent } from '@im/contracts';
import type { EventPublisher, Outbox, OutgoingEvent, Relay } from '@im/events';
import type { Logger } from '@im/log';
import { isDuplicateKeyError } from '@im/store';
import type { Outcome } from '../repositories/event-outcomes.js';
import type { GroupChanges, KnownGroup } from './changes.js';
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

/** What the request that makes a change has at hand: the group as it wrote or read it (KnownGroup). */
export interface RunOptions extends KnownGroup {
  /** Written under the group's lock just before the intent: a keyed create's claim records the event. */
  before?: (() => Promise<void>) | undefined;
}

/**
 * Every group change, the outbox way (there are no multi-document transactions): the event is
 * written first as an intent, the change is applied from it, then the event is published with
 * msgID = event id and marked sent. A crash anywhere leaves the intent pending, and the relay
 * finishes it through `prepareIntent`: the same apply, then the publish. `run` is for an event
 * the request has just made, which nobody can have decided (GroupChanges.applyNew); `finish` for
 * one whose intent may be written and applied already (a repeated create finishing the first
 * one's recorded intent): every step is idempotent by event id.
 */
export class GroupEventFlow {
  constructor(private readonly settings: FlowSettings) {}

  /** GroupChanges.renames: a handler takes it just before it reads the group it hands to `run`. */
  get renames(): number {
    return this.settings.changes.renames;
  }

  async run(event: GroupEvent, options: RunOptions = {}): Promise<Outcome> {
    const outgoing = toOutgoing(event);
    let written = false;
    const write = async () => {
      await options.before?.();
      const fresh = await this.#write(outgoing);
      written = true;
      return fresh;
    };
    const outcome = await this.#applying(
      () => this.settings.changes.applyNew(event, write, { group: options.group, renames: options.renames }),
      () => written,
    );
    return this.#announce(event, outgoing, outcome);
  }

  async finish(event: GroupEvent): Promise<Outcome> {
    const outgoing = toOutgoing(event);
    await this.#write(outgoing);
    const outcome = await this.#applying(
      () => this.settings.changes.apply(event),
      () => true,
    );
    return this.#announce(event, outgoing, outcome);
  }

  /** Writes the intent; false when it was written already (finishing it). */
  async #write(outgoing: OutgoingEvent): Promise<boolean> {
    try {
      await this.settings.outbox.add(outgoing);
      return true;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      return false;
    }
  }

  async #applying(apply: () => Promise<Outcome>, written: () => boolean): Promise<Outcome> {
    try {
      return await apply();
    } catch (error) {
      // Once the intent is written the relay applies it again as soon as it is its own.
      if (written()) this.settings.relay.wake();
      throw error;
    }
  }

  async #announce(event: GroupEvent, outgoing: OutgoingEvent, outcome: Outcome): Promise<Outcome> {
    const { outbox, publisher, relay, log } = this.settings;
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
