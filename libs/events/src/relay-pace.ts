/** What one relay pass saw: the pace of the next one depends on it. */
export interface PassOutcome {
  /** Events published by this pass. */
  published: number;
  /** Events it found due and tried (published, settled, or failed and counted). */
  found: number;
  /** It stopped for an outage (NATS down, JetStream unavailable) and left work behind. */
  paused: boolean;
  /** The soonest next attempt of an event that failed in this pass (ms since the epoch). */
  retryAt?: number;
}

export interface RelayPaceSettings {
  /** The pause while nothing is known to be pending: the sweep for work a dead copy left. */
  sweepMs: number;
  /** The pause while there is known work: after a wake-up, while passes find events, in an outage. */
  busyMs: number;
  /** How old an event must be before a pass takes it (RelayOptions.minAgeMs). */
  minAgeMs: number;
}

/**
 * When the relay looks next. At rest it sweeps rarely: the only work it cannot be told about is
 * what a crashed or stopped copy left, and that can wait a sweep. A writer of this process that
 * leaves an event pending (its publish failed) wakes it: the first pass comes as soon as the
 * event is old enough to be the relay's, and passes then follow every `busyMs` for as long as
 * they find work or an outage holds them up, and once more after the event's age was reached.
 * An event that failed is tried again when its backoff ends, not a sweep later.
 */
export class RelayPace {
  readonly #settings: RelayPaceSettings;
  /** Looking every busyMs: there is known work. */
  #busy = false;
  /** Until then a woken event may still be on its way to the relay: passes stay busy. */
  #wokenUntil = Number.NEGATIVE_INFINITY;

  constructor(settings: RelayPaceSettings) {
    this.#settings = settings;
  }

  /** A writer left an event pending now: answers the delay of the pass that takes it. */
  woken(now = Date.now()): number {
    const { minAgeMs, busyMs } = this.#settings;
    this.#busy = true;
    this.#wokenUntil = Math.max(this.#wokenUntil, now + minAgeMs + busyMs);
    return minAgeMs;
  }

  /** The pause after a timed pass; `outcome` undefined when the pass failed (the store down, say). */
  next(outcome: PassOutcome | undefined, now = Date.now()): number {
    const { sweepMs } = this.#settings;
    // Never slower than the sweep, whatever the two are set to.
    const busyMs = Math.min(this.#settings.busyMs, sweepMs);
    // Work found keeps the pace up; a failure or an outage keeps whatever pace it had, so known
    // work waits out the outage at the busy pace and an idle relay does not start looking often.
    if (outcome && !outcome.paused) this.#busy = outcome.found > 0 || now < this.#wokenUntil;
    const pause = this.#busy ? busyMs : sweepMs;
    const retryIn = outcome?.retryAt === undefined ? pause : Math.max(busyMs, outcome.retryAt - now);
    return Math.min(pause, retryIn);
  }
}
