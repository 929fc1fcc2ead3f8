import { safeText } from '@im/contracts';
import type { Logger } from '@im/log';
import { outboxFailures, outboxParked } from '@im/metrics';
import type { PendingEvent, RelaySource } from './relay-source.js';
import { backoffAfter, duration } from './republish-horizon.js';

/** Longest error text kept on an event and logged. */
const ERROR_MAX = 300;

export interface FailureSettings {
  log: Logger;
  maxAttempts: number;
  retryBackoffMs: readonly number[];
  /** Called after an event was parked (the relay recounts its gauge). */
  onParked(): void;
}

/** Past the republish horizon: parked at once, whatever its attempts (see republish-horizon.ts). */
export class TooLateToPublish extends Error {
  override readonly name = 'TooLateToPublish';

  constructor(ageMs: number, horizonMs: number) {
    super(
      `not published: written ${duration(ageMs)} ago, past the ${duration(horizonMs)} within which a ` +
        'relay may publish it without risking a second copy in the stream; retry it once you know it is not there',
    );
  }
}

/**
 * Records a failed attempt on its event: the count, the error, the next attempt after a backoff,
 * and after the last allowed attempt (or at once, for an event past its horizon) parks it: one
 * error line and `im_outbox_parked_total`. Answers when the event is due again; undefined once parked.
 */
export function failureRecorder({ log, maxAttempts, retryBackoffMs, onParked }: FailureSettings) {
  return async (source: RelaySource, event: PendingEvent, cause: unknown): Promise<number | undefined> => {
    const attempts = event.attempts + 1;
    const parked = attempts >= maxAttempts || cause instanceof TooLateToPublish;
    const delay = backoffAfter(retryBackoffMs, attempts);
    const error = describe(cause);
    const retryAt = Date.now() + delay;
    await source.recordFailure(event.id, {
      attempts,
      error,
      retryAt: new Date(retryAt),
      parked,
      publishableSince: event.publishableSince,
    });
    outboxFailures.inc({ source: source.name });
    const fields = { source: source.name, event_id: event.id, subject: event.subject, attempts, err: error };
    if (parked) {
      outboxParked.inc({ source: source.name });
      onParked();
      const why = cause instanceof TooLateToPublish ? 'past its republish horizon' : 'after its last attempt';
      log.error(fields, `outbox event parked ${why}; docs/broadcast.md says how to retry it`);
    } else {
      log.warn({ ...fields, retry_in_ms: delay }, 'outbox event failed; will retry');
    }
    return parked ? undefined : retryAt;
  };
}

/** The error as an event keeps it: its name and message, control characters escaped, cut short. */
export function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const text = cause.name && cause.name !== 'Error' ? `${cause.name}: ${cause.message}` : cause.message;
    return safeText(text || cause.name, ERROR_MAX);
  }
  return safeText(String(cause), ERROR_MAX);
}
