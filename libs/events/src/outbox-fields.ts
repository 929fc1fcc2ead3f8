import type { Document } from 'mongodb';
import type { RelayFailure } from './relay-source.js';

/**
 * The relay's bookkeeping fields, shared by every outbox shape: a collection of events (`prefix`
 * '') or records that carry their event in a field (`prefix` 'event.', as push_history does).
 *
 * - `sent`, `created_at`, `sent_at`: as before;
 * - `attempts`: failed attempts so far; `last_error`: the last one's error, safe and short;
 * - `retry_at`: when the next attempt is due (the insert time at first);
 * - `parked`: true once the last allowed attempt failed; `parked_at`: when;
 * - `publishable_since`: where the republish horizon starts (see publishableSince), once known.
 *
 * Documents written before these fields existed have none of them and still match as due with
 * no attempts: the filter uses `$ne` and `$not`, which match a missing field, instead of a backfill.
 */
export const relayIndexKeys = (prefix: string): Record<string, 1> => ({
  [`${prefix}sent`]: 1,
  [`${prefix}parked`]: 1,
  [`${prefix}retry_at`]: 1,
});

/** Pending, not parked, due by `now`, and older than `olderThan` (younger ones are the request's). */
export const dueFilter = (prefix: string, olderThan: Date, now: Date): Document => ({
  [`${prefix}sent`]: false,
  [`${prefix}parked`]: { $ne: true },
  [`${prefix}retry_at`]: { $not: { $gt: now } },
  [`${prefix}created_at`]: { $lt: olderThan },
});

/** Next due first; events that never failed (retry_at = insert time, or none) in age order. */
export const dueOrder = (prefix: string): Record<string, 1> => ({
  [`${prefix}retry_at`]: 1,
  [`${prefix}created_at`]: 1,
});

/** The fields a fresh event starts with. */
export const freshRelayFields = (createdAt: Date) => ({
  sent: false,
  created_at: createdAt,
  retry_at: createdAt,
  attempts: 0,
  parked: false,
});

export const parkedFilter = (prefix: string): Document => ({
  [`${prefix}sent`]: false,
  [`${prefix}parked`]: true,
});

/** The update a failed attempt writes; only while the event is still pending (see recordFailure). */
export function failureUpdate(prefix: string, failure: RelayFailure, at: Date = new Date()): Document {
  return {
    $set: {
      [`${prefix}attempts`]: failure.attempts,
      [`${prefix}last_error`]: failure.error,
      [`${prefix}retry_at`]: failure.retryAt,
      [`${prefix}parked`]: failure.parked,
      ...(failure.parked ? { [`${prefix}parked_at`]: at } : {}),
      [`${prefix}publishable_since`]: failure.publishableSince,
    },
  };
}

/**
 * What "retry the parked events" writes: due now, with a fresh count of attempts and a fresh
 * republish horizon. The operator accepts that an event one of whose earlier attempts did land
 * reaches its stream twice (consumers key their effects on the event id).
 */
export const retryParkedUpdate = (prefix: string, now: Date = new Date()): Document => ({
  $set: {
    [`${prefix}parked`]: false,
    [`${prefix}attempts`]: 0,
    [`${prefix}retry_at`]: now,
    [`${prefix}publishable_since`]: now,
  },
});

/** The relay's fields of a record, as read (any may be missing on records older than them). */
export interface RelayFields {
  created_at: Date;
  retry_at?: Date;
  attempts?: number;
  publishable_since?: Date;
}

/**
 * Since when a publish of the event may have happened: its record's insert, or an operator's
 * retry. A retry with no attempt since (attempts 0, due after the insert: the mongosh update of
 * docs/broadcast.md, or retryParkedUpdate) starts afresh at its `retry_at`; after attempts the
 * start the relay recorded with the first of them holds.
 */
export function publishableSince(fields: RelayFields): Date {
  const { created_at, retry_at, attempts = 0, publishable_since } = fields;
  if (attempts === 0 && retry_at && retry_at > created_at) return retry_at;
  return publishable_since && publishable_since > created_at ? publishable_since : created_at;
}
