import type { Logger } from '@im/log';

export interface Periodic<T, R> {
  /**
   * One pass now, or the one in progress; given an argument that pass was not started with, one
   * after it (passes never overlap).
   */
  runOnce(arg?: T): Promise<R>;
  /** Brings the next timed pass forward to `delayMs` from now; one due sooner stays as it is. */
  runSoon(delayMs: number): void;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

export interface PeriodicSettings<T, R> {
  intervalMs: number;
  log: Logger;
  /** How log lines name the work: `relay`, `housekeeping`. */
  what: string;
  /** The argument of a pass the timer starts. */
  defaultArg: () => T;
  /**
   * The pause after a pass the timer started, from its result (undefined: the pass failed).
   * Default: `intervalMs` every time.
   */
  nextDelayMs?: (result: R | undefined) => number;
}

/** setTimeout fires at once for a delay past 2^31 - 1 ms: longer pauses are that long. */
const LONGEST_DELAY_MS = 2 ** 31 - 1;

/**
 * Background work on a timer that never keeps the process alive: one pass at a time (a tick that
 * finds one running joins it), each pause chosen after the pass before it ended, so work that
 * knows it is idle can wait long and be woken (`runSoon`) when there is something to do. A
 * failing streak (the store down) is logged once when it starts and once when it ends, not at
 * every interval.
 */
export function startPeriodic<T, R>(
  pass: (arg: T) => Promise<R>,
  settings: PeriodicSettings<T, R>,
): Periodic<T, R> {
  const { intervalMs, log, what, defaultArg } = settings;
  const nextDelayMs = settings.nextDelayMs ?? (() => intervalMs);
  let running: Promise<R> | undefined;
  let stopped = false;
  let failing = false;
  let timer: NodeJS.Timeout | undefined;
  let dueAt = Number.POSITIVE_INFINITY;

  let runningArg: T | undefined;
  const runOnce = (arg?: T): Promise<R> => {
    // A caller naming an argument the pass in progress was not started with (no minimum age,
    // while a timed relay pass has one) may want what that pass skips: it gets a pass of its own
    // after it. Without one (the timer) it joins whatever runs.
    if (running && arg !== undefined && arg !== runningArg) {
      const again = () => runOnce(arg);
      return running.then(again, again);
    }
    if (!running) {
      runningArg = arg ?? defaultArg();
      running = pass(runningArg).finally(() => {
        running = undefined;
      });
    }
    return running;
  };

  const schedule = (delayMs: number) => {
    if (stopped) return;
    const delay = Math.min(Math.max(0, delayMs), LONGEST_DELAY_MS);
    clearTimeout(timer);
    dueAt = Date.now() + delay;
    timer = setTimeout(tick, delay);
    timer.unref();
  };

  const tick = () => {
    dueAt = Number.POSITIVE_INFINITY;
    if (stopped) return;
    runOnce().then(
      (result) => {
        if (failing) log.info(`${what} passes work again`);
        failing = false;
        schedule(nextDelayMs(result));
      },
      (error: unknown) => {
        if (!failing) log.warn({ err: error }, `${what} pass failed; will retry`);
        failing = true;
        schedule(nextDelayMs(undefined));
      },
    );
  };

  const runSoon = (delayMs: number): void => {
    // A pass in progress may have looked before the work was there: the next one counts from its end.
    if (running) {
      const later = () => runSoon(delayMs);
      void running.then(later, later);
      return;
    }
    if (Date.now() + delayMs < dueAt) schedule(delayMs);
  };

  schedule(intervalMs);

  return {
    runOnce,
    runSoon,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}
