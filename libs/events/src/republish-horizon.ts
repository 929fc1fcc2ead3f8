import { ConfigError } from '@im/config';

/**
 * Why an event reaches its stream once, whichever copies publish it and however often: every
 * publish carries msgID = event id, and the stream drops a repeat that arrives within its
 * duplicate window W of the first. So all publishes of one event id that can land must fall
 * within W of each other. Who publishes an event:
 *
 * - the writer, right after the change, within the request that wrote the event's record;
 * - the relay of any copy, once the record is `minAgeMs` old, with retries after failures
 *   (backoff), after an outage (passes pause without counting attempts), or on taking over what a
 *   dead copy left (its next sweep): without a bound, any time later.
 *
 * The bound: no relay starts a publish later than the horizon H after the record was written (or
 * after an operator retried it once parked); an event that would be later is parked instead (one
 * error line, `im_outbox_parked_total`). A publish lands within its timeout P, or its connection
 * is gone and what it had not sent is dropped (nats.js clears its buffer on reconnect). With
 * H = W − P − M, the first publish landing at or after the record's write t₀ and the last one
 * starting before t₀ + H and landing before t₀ + H + P = t₀ + W − M, the span is under W by M:
 * the margin for clocks of copies that disagree (t₀ is the writer's clock, the age the relay's)
 * and for a publish landing late. Assumed: copies' clocks agree within M, and the writer
 * publishes within H of its record (its request takes seconds: every database step times out).
 */
export const REPUBLISH_MARGIN_MS = 60_000;

/** The latest age of an event's record at which a relay may still start publishing it: H = W − P − M. */
export function republishHorizonMs(duplicateWindowMs: number, publishTimeoutMs: number): number {
  return duplicateWindowMs - publishTimeoutMs - REPUBLISH_MARGIN_MS;
}

export interface RelaySchedule {
  minAgeMs: number;
  intervalMs: number;
  /** The relay's pace while it knows of work: a retry due sooner still waits for it. */
  busyIntervalMs: number;
  maxAttempts: number;
  retryBackoffMs: readonly number[];
  publishTimeoutMs: number;
}

/** The pause after failed attempt n (1-based): the last value repeats. */
export const backoffAfter = (backoff: readonly number[], attempt: number): number =>
  backoff[Math.min(attempt - 1, backoff.length - 1)] ?? 1_000;

/**
 * The latest the last allowed attempt starts, as the record's age, when every attempt fails and
 * nothing else holds the relay up: the first once the record is `minAgeMs` old (the writer's
 * copy wakes its relay when its publish fails), each next one after the attempt before it (at
 * most its publish timeout) and that attempt's backoff (or the busy pace, when that is slower:
 * RelayPace). A dead copy's event waits for another copy's sweep first: `intervalMs` more.
 */
export function lastAttemptAgeMs(s: RelaySchedule): number {
  const pace = Math.min(s.busyIntervalMs, s.intervalMs);
  let age = s.minAgeMs;
  for (let attempt = 1; attempt < s.maxAttempts; attempt++) {
    age += s.publishTimeoutMs + Math.max(pace, backoffAfter(s.retryBackoffMs, attempt));
  }
  return age;
}

/** The most attempts whose schedule ends within the horizon (0 when not even the first does). */
export function attemptsWithin(s: RelaySchedule, horizonMs: number): number {
  let n = 0;
  while (n < 10_000 && lastAttemptAgeMs({ ...s, maxAttempts: n + 1 }) <= horizonMs) n++;
  return n;
}

/**
 * What is wrong with a relay's settings for its horizon, each naming the settings, for the relay
 * to say at start: attempts that cannot all start within the horizon (the last ones would be
 * parked for their age, so RELAY_MAX_ATTEMPTS would not mean what it says), and a sweep so slow
 * that a dead copy's events may be parked unpublished. Not refused: the bound holds whatever the
 * settings (the relay parks a late event), and tests set these far apart on purpose. A window
 * that leaves no horizon at all is refused.
 */
export function checkRelaySchedule(s: RelaySchedule, duplicateWindowMs: number): string[] {
  const horizon = republishHorizonMs(duplicateWindowMs, s.publishTimeoutMs);
  if (horizon <= 0) {
    throw new ConfigError(
      `the duplicate window (${duration(duplicateWindowMs)}) leaves a relay no time to publish: ` +
        `it must exceed the publish timeout (${duration(s.publishTimeoutMs)}) by more than ${duration(REPUBLISH_MARGIN_MS)}`,
    );
  }
  const limits = `the ${duration(horizon)} within which a relay may publish it (the stream's ${duration(duplicateWindowMs)} duplicate window, less the ${duration(s.publishTimeoutMs)} publish timeout and ${duration(REPUBLISH_MARGIN_MS)} for clocks)`;
  const last = lastAttemptAgeMs(s);
  if (last > horizon) {
    return [
      `RELAY_MAX_ATTEMPTS, RELAY_MIN_AGE_MS: attempt ${s.maxAttempts} of an event could start ${duration(last)} ` +
        `after it was written, past ${limits}; at most ${attemptsWithin(s, horizon)} attempts fit, later ones park the event`,
    ];
  }
  if (last + s.intervalMs > horizon) {
    return [
      `RELAY_INTERVAL_MS: after a sweep ${duration(s.intervalMs)} apart, attempt ${s.maxAttempts} of a dead copy's event ` +
        `could start ${duration(last + s.intervalMs)} after it was written, past ${limits}: such events may be parked unpublished`,
    ];
  }
  return [];
}

/** 535000 → "8 min 55 s"; 5000 → "5 s"; 250 → "0.25 s". */
export function duration(ms: number): string {
  if (ms < 1_000) return `${ms / 1_000} s`;
  const s = Math.round(ms / 1_000);
  const [min, sec] = [Math.floor(s / 60), s % 60];
  if (min === 0) return `${sec} s`;
  return sec === 0 ? `${min} min` : `${min} min ${sec} s`;
}
