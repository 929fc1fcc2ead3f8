import {
  type OutgoingEvent,
  type PendingEvent,
  publishableSince,
  type RelayFailure,
  type RelaySource,
} from '@im/events';
import type { PushHistory, RecordedPush } from '../repositories/push-history.js';
import { classMessageEvent } from './class-message.js';

/** A push record's pending event as it leaves: msgID = event id, so a re-publish is dropped. */
export function outgoingEvent(record: RecordedPush): OutgoingEvent {
  return { id: record.event.id, subject: record.event.subject, payload: classMessageEvent(record) };
}

/**
 * `push_history` as a relay source: records whose event is not marked sent. Nothing to `prepare`:
 * the record is the whole state change, written before the event could leave.
 */
export class PushOutbox implements RelaySource {
  readonly name = 'push_history';

  constructor(private readonly pushes: PushHistory) {}

  async findPending(olderThan: Date, limit: number, now: Date = new Date()): Promise<PendingEvent[]> {
    return (await this.pushes.findPending(olderThan, limit, now)).map((record) => ({
      ...outgoingEvent(record),
      attempts: record.event.attempts ?? 0,
      // Held to the relay's republish horizon, so no publish can outlive the duplicate window.
      publishableSince: publishableSince(record.event),
    }));
  }

  markSent(id: string): Promise<void> {
    return this.pushes.markSent(id);
  }

  recordFailure(id: string, failure: RelayFailure): Promise<void> {
    return this.pushes.recordFailure(id, failure);
  }

  countParked(): Promise<number> {
    return this.pushes.countParked();
  }
}
