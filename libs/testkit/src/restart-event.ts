/**
 * What a process supervisor reports, so that whoever runs it (the local run command) can say so
 * loudly: a restart is scheduled after a death or a failed start, and a restarted process is ready.
 */
export type RestartEvent =
  | {
      kind: 'scheduled';
      /** What happened, naming the process: `signature exited (signal SIGKILL)`. */
      summary: string;
      delayMs: number;
      /** Which restart in a row this will be, from 1; resets once the process has stayed up. */
      attempt: number;
    }
  | { kind: 'restarted'; pid: number; attempt: number };

/** `0.5 s`, `2 s`, `30 s`: how long a restart waits, as a person reads it. */
export function formatDelay(ms: number): string {
  const seconds = ms / 1_000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

/** The supervisor's line for an event, without a prefix. */
export function describeRestart(event: RestartEvent, service: string): string {
  if (event.kind === 'scheduled') {
    return `${event.summary}; restarting in ${formatDelay(event.delayMs)} (restart ${event.attempt})`;
  }
  return `${service} is running again (pid ${event.pid}, restart ${event.attempt})`;
}
