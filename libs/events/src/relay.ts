import { RELAY_PACE_DEFAULTS } from '@im/config';
import type { Logger } from '@im/log';
import { outboxPublished } from '@im/metrics';
import type { NatsConnection } from '@nats-io/transport-node';
import { ALWAYS_CONNECTED, connectionState } from './connection-state.js';
import { DEFAULT_DUPLICATE_WINDOW_MS } from './jetstream.js';
import { startPeriodic } from './periodic.js';
import type { EventPublisher } from './publisher.js';
import { describe, failureRecorder, TooLateToPublish } from './relay-failures.js';
import { type PassOutcome, RelayPace } from './relay-pace.js';
import { parkedCounter } from './relay-parked.js';
import type { PendingEvent, RelaySource } from './relay-source.js';
import { checkRelaySchedule, republishHorizonMs } from './republish-horizon.js';
import { isUnavailable } from './unavailable.js';

export interface RelayOptions {
  sources: RelaySource[];
  publisher: EventPublisher;
  log: Logger;
  /**
   * How often it sweeps while it knows of nothing pending: for what a crashed or stopped copy
   * left. This process's own leftovers wake it instead (a failed publish on `publisher`, `wake`).
   */
  intervalMs?: number;
  /** How often it looks while it knows of pending work: after a wake-up, while passes find events. */
  busyIntervalMs?: number;
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
  /**
   * The duplicate window of the streams it publishes into (ensureStream's, by default): no
   * publish starts past the horizon it leaves (republish-horizon.ts), and a schedule of attempts
   * that does not fit in it is refused at start.
   */
  duplicateWindowMs?: number;
}

export const DEFAULT_RELAY_MAX_ATTEMPTS = 10;
/** The sweep, when nothing is known to be pending: a dead copy's events wait this long at most. */
export const DEFAULT_RELAY_INTERVAL_MS = RELAY_PACE_DEFAULTS.intervalMs;
export const DEFAULT_RELAY_BUSY_INTERVAL_MS = RELAY_PACE_DEFAULTS.busyIntervalMs;
/**
 * About 6 minutes from the first failure to the tenth: all ten attempts start within 7 min 10 s of
 * the event's write (7 min 20 s after the default sweep), inside the 8 min 55 s republish horizon
 * of the 10-minute duplicate window (republish-horizon.ts), which leaves room for a slower sweep.
 */
export const DEFAULT_RELAY_BACKOFF_MS = [1_000, 2_000, 5_000, 15_000, 30_000, 60_000, 90_000];

export interface Relay {
  /** One pass over every source; resolves with how many events it published. */
  runOnce(minAgeMs?: number): Promise<number>;
  /**
   * Something of this process left an event pending (a change it could not finish): look as soon
   * as the event is old enough, then keep looking while there is work. A failed publish on the
   * relay's publisher does this by itself.
   */
  wake(): void;
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
 * interval tries again. But no publish starts once an event is past its republish horizon
 * (republish-horizon.ts): it is parked instead, so that two copies of it can never land in the
 * stream further apart than its duplicate window.
 *
 * It costs nothing at rest: one look every `intervalMs` (a sweep for what a dead copy left), and
 * passes every `busyIntervalMs` only while it knows of work (see RelayPace).
 */
export function startRelay(settings: RelayOptions): Relay {
  const { sources, publisher, log, minAgeMs = 2_000, batch = 100 } = settings;
  const intervalMs = settings.intervalMs ?? DEFAULT_RELAY_INTERVAL_MS;
  const busyIntervalMs = settings.busyIntervalMs ?? DEFAULT_RELAY_BUSY_INTERVAL_MS;
  const { maxAttempts = DEFAULT_RELAY_MAX_ATTEMPTS, retryBackoffMs = DEFAULT_RELAY_BACKOFF_MS } = settings;
  const nc = settings.connection ?? publisher.connection;
  const link = nc ? connectionState(nc) : ALWAYS_CONNECTED;
  const duplicateWindowMs = settings.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS;
  const publishTimeoutMs = publisher.timeoutMs;
  const schedule = { minAgeMs, intervalMs, busyIntervalMs, maxAttempts, retryBackoffMs, publishTimeoutMs };
  for (const problem of checkRelaySchedule(schedule, duplicateWindowMs)) log.warn(problem);
  const horizonMs = republishHorizonMs(duplicateWindowMs, publishTimeoutMs);
  const parked = parkedCounter(sources, log, settings.parkedCheckMs ?? 60_000);
  let paused = false;
  /** Events this relay is publishing now: their failures are its own, recorded on the event. */
  const relaying = new Set<string>();
  const recordFailure = failureRecorder({
    log,
    maxAttempts,
    retryBackoffMs,
    onParked: () => parked.recountSoon(), // at the end of this pass
  });

  /** Throws TooLateToPublish for an event past its horizon: it is parked, not published. */
  const inTime = (event: PendingEvent) => {
    const age = Date.now() - event.publishableSince.getTime();
    if (age > horizonMs) throw new TooLateToPublish(age, horizonMs);
  };

  /** True when published, false when settled without publishing (refused on re-apply). */
  const relayOne = async (source: RelaySource, event: PendingEvent): Promise<boolean> => {
    inTime(event);
    if ((await source.prepare?.(event)) === false) {
      await source.markSent(event.id); // refused on re-apply: nothing happened, nothing to announce
      return false;
    }
    inTime(event); // the re-apply may have taken a while: this is the check the bound rests on
    relaying.add(event.id);
    try {
      await publisher.publish(event);
    } finally {
      relaying.delete(event.id);
    }
    await source.markSent(event.id);
    outboxPublished.inc({ source: source.name });
    return true;
  };

  const pass = async (minAge: number): Promise<PassOutcome> => {
    const outcome: PassOutcome = { published: 0, found: 0, paused: true };
    if (!link.connected()) return outcome; // an outage: nothing to try, nothing to count against events
    for (const source of sources) {
      const now = new Date();
      const due = await source.findPending(new Date(now.getTime() - minAge), batch, now);
      outcome.found += due.length;
      for (const event of due) {
        if (!link.connected()) return outcome;
        try {
          if (await relayOne(source, event)) outcome.published++;
        } catch (error) {
          if (!link.connected() || isUnavailable(error)) {
            // Once per outage: every interval until it ends would say the same.
            if (!paused) log.warn({ err: describe(error) }, 'relay paused: JetStream unavailable');
            paused = true;
            return outcome;
          }
          const retryAt = await recordFailure(source, event, error);
          if (retryAt !== undefined) outcome.retryAt = Math.min(outcome.retryAt ?? retryAt, retryAt);
        }
      }
    }
    if (paused) log.info('relay resumed');
    paused = false;
    outcome.paused = false;
    await parked.count();
    if (outcome.published > 0) log.info({ published: outcome.published }, 'relay published pending events');
    return outcome;
  };

  const pace = new RelayPace({ sweepMs: intervalMs, busyMs: busyIntervalMs, minAgeMs });
  const periodic = startPeriodic(pass, {
    intervalMs,
    log,
    what: 'relay',
    defaultArg: () => minAgeMs,
    nextDelayMs: (outcome) => pace.next(outcome),
  });
  const wake = () => periodic.runSoon(pace.woken());
  const stopListening = publisher.onFailure((event) => {
    if (!relaying.has(event.id)) wake();
  });
  return {
    runOnce: async (minAge) => (await periodic.runOnce(minAge)).published,
    wake,
    async stop() {
      stopListening();
      await periodic.stop();
    },
  };
}
