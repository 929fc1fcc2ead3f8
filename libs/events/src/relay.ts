import { safeText } from '@im/contracts';
import type { Logger } from '@im/log';
import { outboxFailures, outboxParked, outboxParkedNow, outboxPublished } from '@im/metrics';
import type { NatsConnection } from '@nats-io/transport-node';
import { ALWAYS_CONNECTED, connectionState } from './connection-state.js';
import { startPeriodic } from './periodic.js';
import type { EventPublisher } from './publisher.js';
import type { PendingEvent, RelaySource } from './relay-source.js';
import { isUnavailable } from './unavailable.js';

export interface RelayOptions {
  sources: RelaySource[];
  publisher: EventPublisher;
  log: Logger;
  intervalMs?: number;
  /**
   * Events younger than this are left to the request that wrote them, which publishes them
   * itself; the relay only finishes what a crash or an outage left behind.
   */
  minAgeMs?: number;
  batch?: number;
  /** Failed attempts after which an event is parked (left for an operator). */
  maxAttempts?: number;
  /** Delay after failed attempt n is `retryBackoffMs[n-1]` (the last value repeats). */
  retryBackoffMs?: number[];
  /**
   * Whose status decides whether a pass runs at all: an outage is not an event's fault and
   * costs it no attempt. Default: the publisher's connection (any client from openJetStream).
   */
  connection?: NatsConnection;
  /** How often parked events are counted for `im_outbox_parked` and the log. */
  parkedCheckMs?: number;
}

export const DEFAULT_RELAY_MAX_ATTEMPTS = 10;
/** About 14 minutes from the first failure to the tenth. */
export const DEFAULT_RELAY_BACKOFF_MS = [1_000, 2_000, 5_000, 15_000, 30_000, 60_000, 120_000, 300_000];
/** Longest error text kept on an event and logged. */
const ERROR_MAX = 300;

export interface Relay {
  /** One pass over every source; resolves with how many events it published. */
  runOnce(minAgeMs?: number): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Finishes pending events: prepare (re-apply), publish with msgID = event id, mark sent. Every
 * copy of a service runs one; two relays publishing the same event is harmless, because the
 * stream drops the repeat inside its duplicate window and marking sent is idempotent.
 *
 * Each event is tried on its own: a failure is recorded on the event (attempts, last error, next
 * attempt after a backoff) and the pass moves on, so an event that cannot be published (too
 * large for max_payload, a re-apply that always fails) never holds back the ones behind it.
 * After `maxAttempts` it is parked: one error line, `im_outbox_parked_total`, and no more
 * attempts until an operator clears `parked`. While NATS is down no pass runs, and a failure
 * that says JetStream as a whole is unavailable (a timeout, no responders while streams are
 * restored) ends the pass without counting: an outage is never an event's fault, and the next
 * interval tries again.
 */
export function startRelay(settings: RelayOptions): Relay {
  const { sources, publisher, log, intervalMs = 1_000, minAgeMs = 2_000, batch = 100 } = settings;
  const { maxAttempts = DEFAULT_RELAY_MAX_ATTEMPTS, retryBackoffMs = DEFAULT_RELAY_BACKOFF_MS } = settings;
  const parkedCheckMs = settings.parkedCheckMs ?? 60_000;
  const nc = settings.connection ?? publisher.connection;
  const link = nc ? connectionState(nc) : ALWAYS_CONNECTED;
  const parkedCounts = new Map<string, number>();
  let lastParkedCheck = Number.NEGATIVE_INFINITY;
  let paused = false;

  /** True when published, false when settled without publishing (refused on re-apply). */
  const relayOne = async (source: RelaySource, event: PendingEvent): Promise<boolean> => {
    if ((await source.prepare?.(event)) === false) {
      await source.markSent(event.id); // refused on re-apply: nothing happened, nothing to announce
      return false;
    }
    await publisher.publish(event);
    await source.markSent(event.id);
    outboxPublished.inc({ source: source.name });
    return true;
  };

  const recordFailure = async (source: RelaySource, event: PendingEvent, cause: unknown) => {
    const attempts = event.attempts + 1;
    const parked = attempts >= maxAttempts;
    const delay = retryBackoffMs[Math.min(attempts - 1, retryBackoffMs.length - 1)] ?? 1_000;
    const error = describe(cause);
    await source.recordFailure(event.id, {
      attempts,
      error,
      retryAt: new Date(Date.now() + delay),
      parked,
    });
    outboxFailures.inc({ source: source.name });
    const fields = { source: source.name, event_id: event.id, subject: event.subject, attempts, err: error };
    if (parked) {
      outboxParked.inc({ source: source.name });
      lastParkedCheck = Number.NEGATIVE_INFINITY; // recount at the end of this pass
      log.error(fields, 'outbox event parked after its last attempt; docs/broadcast.md says how to retry it');
    } else {
      log.warn({ ...fields, retry_in_ms: delay }, 'outbox event failed; will retry');
    }
  };

  const countParked = async () => {
    if (Date.now() - lastParkedCheck < parkedCheckMs) return;
    lastParkedCheck = Date.now();
    for (const source of sources) {
      const count = await source.countParked();
      const before = parkedCounts.get(source.name) ?? 0;
      parkedCounts.set(source.name, count);
      outboxParkedNow.set({ source: source.name }, count);
      if (count > 0 && count !== before) {
        log.warn({ source: source.name, parked: count }, 'outbox has parked events');
      }
    }
  };

  const pass = async (minAge: number): Promise<number> => {
    if (!link.connected()) return 0; // an outage: nothing to try, nothing to count against events
    let published = 0;
    for (const source of sources) {
      const now = new Date();
      const due = await source.findPending(new Date(now.getTime() - minAge), batch, now);
      for (const event of due) {
        if (!link.connected()) return published;
        try {
          if (await relayOne(source, event)) published++;
        } catch (error) {
          if (!link.connected() || isUnavailable(error)) {
            // Once per outage: every interval until it ends would say the same.
            if (!paused) log.warn({ err: describe(error) }, 'relay paused: JetStream unavailable');
            paused = true;
            return published;
          }
          await recordFailure(source, event, error);
        }
      }
    }
    if (paused) log.info('relay resumed');
    paused = false;
    await countParked();
    if (published > 0) log.info({ published }, 'relay published pending events');
    return published;
  };

  const periodic = startPeriodic(pass, { intervalMs, log, what: 'relay', defaultArg: () => minAgeMs });
  return { runOnce: periodic.runOnce, stop: periodic.stop };
}

/** The error as an event keeps it: its name and message, control characters escaped, cut short. */
function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const text = cause.name && cause.name !== 'Error' ? `${cause.name}: ${cause.message}` : cause.message;
    return safeText(text || cause.name, ERROR_MAX);
  }
  return safeText(String(cause), ERROR_MAX);
}
