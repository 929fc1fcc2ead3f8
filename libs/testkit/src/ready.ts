import { setTimeout as sleep } from 'node:timers/promises';
import type { StartFailure } from './errors.js';

/**
 * When a started process counts as ready: after a matching output line (if `line` is given), then
 * once `poll` passes (if given). Services say so with one pino line, `{"msg":"ready"}`; servers
 * that print no such line are polled instead.
 */
export interface ReadyCheck {
  line?: (line: string) => boolean;
  poll?: () => Promise<boolean>;
}

/** The line every service logs once it serves: pino JSON with `msg: "ready"`. */
export function isReadyLogLine(line: string): boolean {
  if (!line.includes('"ready"')) return false;
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null && (parsed as { msg?: unknown }).msg === 'ready';
  } catch {
    return false;
  }
}

/**
 * Whichever comes first for a process being started: ready (its line seen, then its poll passing),
 * exited, or the timeout. Polling stops once the race is decided.
 */
export async function firstOutcome(
  ready: ReadyCheck,
  readyLine: Promise<void>,
  exited: Promise<unknown>,
  timeoutMs: number,
): Promise<'ready' | StartFailure> {
  let settled = false;
  const becameReady = (async () => {
    if (ready.line) await readyLine;
    while (ready.poll && !settled && !(await ready.poll().catch(() => false))) await sleep(100);
  })();
  const timer = new AbortController();
  const outcome = await Promise.race([
    becameReady.then(() => 'ready' as const),
    exited.then(() => 'exited' as const),
    sleep(timeoutMs, 'timeout' as const, { signal: timer.signal }),
  ]);
  settled = true;
  timer.abort();
  return outcome;
}
