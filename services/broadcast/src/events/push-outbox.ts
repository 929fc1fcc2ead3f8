import type { OutgoingEvent, RelaySource } from '@im/events';
import { classMessageEvent, type PushHistory, type PushRecord } from '../repositories/push-history.js';

/** A push record's pending event as it leaves: msgID = event id, so a re-publish is dropped. */
export function outgoingEvent(record: PushRecord): OutgoingEvent {
  return { id: record.event.id, subject: record.event.subject, payload: classMessageEvent(record) };
}

/**
 * `push_history` as a relay source: records whose event is not marked sent. Nothing to `prepare`:
 * the record is the whole state change, written before the event could leave.
 */
export class PushOutbox implements RelaySource {
  readonly name = 'push_history';

  constructor(private readonly pushes: PushHistory) {}

  async findPending(olderThan: Date, limit: number): Promise<OutgoingEvent[]> {
    return (await this.pushes.findPending(olderThan, limit)).map(outgoingEvent);
  }

  markSent(id: string): Promise<void> {
    return this.pushes.markSent(id);
  }
}
