import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

/** Whether a TCP connection to host:port succeeds now; a refused or slow connect counts as "not yet". */
export function tcpReachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Calls `check` until it returns true, `deadline` (epoch ms) passes, or `stop()` says to give up
 * (the process being waited for has exited). Returns whether the check ever passed.
 */
export async function pollUntil(
  check: () => Promise<boolean>,
  deadline: number,
  stop: () => boolean = () => false,
  intervalMs = 100,
): Promise<boolean> {
  while (Date.now() < deadline && !stop()) {
    if (await check()) return true;
    await sleep(intervalMs);
  }
  return false;
}
