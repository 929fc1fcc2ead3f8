import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectionOf } from './jetstream.js';

/** An event as it leaves: its id is also its JetStream `msgID`, so a repeat is dropped. */
export interface OutgoingEvent {
  id: string;
  subject: string;
  payload: unknown;
}

/** Hears an event whose publish failed: it stays pending in its outbox. */
export type PublishFailureListener = (event: OutgoingEvent) => void;

/** Publishes to JetStream and waits for the stream's acknowledgement: only then is it stored. */
export class EventPublisher {
  readonly #failureListeners = new Set<PublishFailureListener>();

  constructor(
    private readonly js: JetStreamClient,
    /** How long a publish waits for the stream's ack; the relays' republish horizon allows for it. */
    readonly timeoutMs = 5_000,
  ) {}

  /** The connection it publishes on, when known (a client from openJetStream). */
  get connection(): NatsConnection | undefined {
    return connectionOf(this.js);
  }

  /** True when the stream stored it now, false when it had it already (a repeat). */
  async publish(event: OutgoingEvent): Promise<boolean> {
    try {
      const ack = await this.js.publish(event.subject, JSON.stringify(event.payload), {
        msgID: event.id,
        timeout: this.timeoutMs,
      });
      return !ack.duplicate;
    } catch (error) {
      for (const listener of this.#failureListeners) listener(event);
      throw error;
    }
  }

  /**
   * Calls `listener` after every publish that fails, before the caller hears of it: the relay of
   * the same process listens, so an event a request could not publish is taken up at once rather
   * than at the next sweep. Answers the function that stops it.
   */
  onFailure(listener: PublishFailureListener): () => void {
    this.#failureListeners.add(listener);
    return () => this.#failureListeners.delete(listener);
  }
}
