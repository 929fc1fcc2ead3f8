import type { Logger } from '@im/log';

export interface Periodic<T, R> {
  /** One pass now, or the one in progress (passes never overlap). */
  runOnce(arg?: T): Promise<R>;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

export interface PeriodicSettings<T> {
  intervalMs: number;
  log: Logger;
  /** How log lines name the work: `relay`, `housekeeping`. */
  what: string;
  /** The argument of a pass the timer starts. */
  defaultArg: () => T;
}

/**
 * Background work on a timer that never keeps the process alive: one pass at a time (a tick that
 * finds one running joins it), and a failing streak (the store down) logged once when it starts
 * and once when it ends, not at every interval.
 */
export function startPeriodic<T, R>(
  pass: (arg: T) => Promise<R>,
  settings: PeriodicSettings<T>,
): Periodic<T, R> {
  const { intervalMs, log, what, defaultArg } = settings;
  let running: Promise<R> | undefined;
  let stopped = false;
  let failing = false;

  const runOnce = (arg: T = defaultArg()): Promise<R> => {
    running ??= pass(arg).finally(() => {
      running = undefined;
    });
    return running;
  };

  const timer = setInterval(() => {
    if (stopped) return;
    runOnce().then(
      () => {
        if (failing) log.info(`${what} passes work again`);
        failing = false;
      },
      (error: unknown) => {
        if (!failing) log.warn({ err: error }, `${what} pass failed; will retry every interval`);
        failing = true;
      },
    );
  }, intervalMs);
  timer.unref();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
