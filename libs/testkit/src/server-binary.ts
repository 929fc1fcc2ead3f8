import { ProcessStartError } from './errors.js';
import { freePort } from './free-port.js';
import { type ChildHandle, startProcess } from './process.js';
import type { ReadyCheck } from './ready.js';

export interface ServerBinaryOptions {
  name: string;
  command: string;
  /** A fixed port (the local run's defaults), or undefined to pick free ports. */
  port?: number;
  args: (port: number) => string[];
  /** Added to the server's environment. */
  env?: Record<string, string | undefined>;
  ready: (port: number) => ReadyCheck;
  timeoutMs?: number;
}

/**
 * Starts a server binary on a free port. Between freePort() closing its probe socket and the
 * server binding, another test file may take the port; the server then exits at once, and we
 * simply try again on a new port. A fixed port is tried once.
 */
export async function startServerBinary(
  options: ServerBinaryOptions,
): Promise<{ port: number; child: ChildHandle }> {
  const attempts = options.port === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      const child = await startProcess({
        name: options.name,
        command: options.command,
        args: options.args(port),
        ...(options.env ? { env: options.env } : {}),
        ready: options.ready(port),
        timeoutMs: options.timeoutMs ?? 30_000,
      });
      return { port, child };
    } catch (error) {
      if (!(error instanceof ProcessStartError && error.reason === 'exited') || attempt >= attempts)
        throw error;
    }
  }
}
