import { startPeriodic } from '@im/events';
import type { Logger } from '@im/log';
import type { EventOutcomes } from './repositories/event-outcomes.js';
import type { IdempotencyKeys } from './repositories/idempotency-keys.js';

export interface HousekeepingSettings {
  /** How long an Idempotency-Key answers a repeat with the first 201. */
  idempotencyKeyTtlMs: number;
  /** How long the outcomes of intents are kept (a replayed intent must find its outcome). */
  outboxRetentionMs: number;
  intervalMs: number;
}

export interface Housekeeping {
  /** `events`: day collections of outcomes dropped. */
  runOnce(now?: Date): Promise<{ keys: number; events: number }>;
  stop(): Promise<void>;
}

/**
 * What FerretDB cannot expire for us (it has no TTL indexes): used Idempotency-Keys after their
 * window, found through the expiry queue (only the hours that ended since the last pass are
 * read), and the outcomes of intents older than the retention, dropped a day collection at a
 * time. Published events need nothing: the outbox deletes them when they are sent. An idle pass
 * is one look-up and a list of collection names, whatever the history. Every copy of the service
 * runs this; two copies expiring the same keys is harmless.
 */
export function startHousekeeping(
  { outcomes, keys, log }: { outcomes: EventOutcomes; keys: IdempotencyKeys; log: Logger },
  settings: HousekeepingSettings,
): Housekeeping {
  const pass = async (now: Date) => {
    const expiredKeys = await keys.expire(new Date(now.getTime() - settings.idempotencyKeyTtlMs), now);
    const events = await outcomes.dropBefore(new Date(now.getTime() - settings.outboxRetentionMs));
    if (expiredKeys + events > 0) {
      log.info({ keys: expiredKeys, outcome_days: events }, 'housekeeping removed old records');
    }
    return { keys: expiredKeys, events };
  };

  return startPeriodic(pass, {
    intervalMs: settings.intervalMs,
    log,
    what: 'housekeeping',
    defaultArg: () => new Date(),
  });
}
