import { type Outbox, startPeriodic } from '@im/events';
import type { Logger } from '@im/log';
import type { EventOutcomes } from './repositories/event-outcomes.js';
import type { IdempotencyKeys } from './repositories/idempotency-keys.js';

export interface HousekeepingSettings {
  /** How long an Idempotency-Key answers a repeat with the first 201. */
  idempotencyKeyTtlMs: number;
  /** How long sent outbox records (and their outcomes) are kept, for inspection. */
  outboxRetentionMs: number;
  intervalMs: number;
}

export interface Housekeeping {
  runOnce(now?: Date): Promise<{ keys: number; events: number }>;
  stop(): Promise<void>;
}

const BATCH = 1_000;

/**
 * What FerretDB cannot expire for us (it has no TTL indexes): used Idempotency-Keys after their
 * window, and outbox records long since published, with the outcomes recorded for them. Pending
 * events are never touched. Every copy of the service runs this; deletes of the same documents
 * by two copies are harmless.
 */
export function startHousekeeping(
  {
    outbox,
    outcomes,
    keys,
    log,
  }: { outbox: Outbox; outcomes: EventOutcomes; keys: IdempotencyKeys; log: Logger },
  settings: HousekeepingSettings,
): Housekeeping {
  const pass = async (now: Date) => {
    const expiredKeys = await keys.expire(new Date(now.getTime() - settings.idempotencyKeyTtlMs));
    let events = 0;
    for (;;) {
      const ids = await outbox.sentBefore(new Date(now.getTime() - settings.outboxRetentionMs), BATCH);
      if (ids.length === 0) break;
      // Outcomes first: an outbox record without its outcome is never looked at again (it is sent).
      await outcomes.remove(ids);
      events += await outbox.remove(ids);
      if (ids.length < BATCH) break;
    }
    if (expiredKeys + events > 0) log.info({ keys: expiredKeys, events }, 'housekeeping removed old records');
    return { keys: expiredKeys, events };
  };

  return startPeriodic(pass, {
    intervalMs: settings.intervalMs,
    log,
    what: 'housekeeping',
    defaultArg: () => new Date(),
  });
}
