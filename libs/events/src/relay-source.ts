import type { OutgoingEvent } from './publisher.js';

/** A pending event as the relay reads it: the event, and how many attempts failed so far. */
export interface PendingEvent extends OutgoingEvent {
  attempts: number;
  /**
   * Since when a publish of it may have happened: its record's insert, or an operator's retry
   * once parked (publishableSince in outbox-fields.ts). A relay starts no publish past its
   * horizon from then (republish-horizon.ts) and parks the event instead. Every source must say
   * it: the promise that no event is doubled holds only for events held to the horizon.
   */
  publishableSince: Date;
}

/** What the relay records about an attempt that failed. */
export interface RelayFailure {
  /** Failed attempts so far, this one included. */
  attempts: number;
  /** The error, made safe and short: operators read it in the document and the log. */
  error: string;
  /** When the next attempt is due (meaningless once parked). */
  retryAt: Date;
  /** The last attempt allowed: the event waits for an operator (docs/broadcast.md, "Parked events"). */
  parked: boolean;
  /** The event's publishableSince as the relay used it, kept for its next attempts. */
  publishableSince: Date;
}

/** Something a relay can finish: events written but maybe not yet published. */
export interface RelaySource {
  readonly name: string;
  /**
   * Events still pending, not parked, due by `now` and created before `olderThan`, next due
   * first, through an index. Events written before attempts were counted (no `retry_at`,
   * `parked` or `attempts`) count as due with no attempts.
   */
  findPending(olderThan: Date, limit: number, now?: Date): Promise<PendingEvent[]>;
  /**
   * Runs before a relayed publish: re-applies the change an intent announces (idempotently).
   * `false` means the change was refused on re-apply (it no longer can happen): the event is
   * settled without being published.
   */
  prepare?(event: OutgoingEvent): Promise<void> | Promise<boolean>;
  markSent(id: string): Promise<void>;
  /** Records a failed attempt on an event still pending (one another relay sent is left alone). */
  recordFailure(id: string, failure: RelayFailure): Promise<void>;
  /** Events parked now, for the operators' gauge. */
  countParked(): Promise<number>;
}
