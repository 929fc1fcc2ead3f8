import type { Logger } from '@im/log';

/**
 * Runs `stop` once on SIGTERM or SIGINT, then exits: 0 when it finished, 1 when it failed or
 * outlasted `graceMs`. A second signal exits at once, for an operator who will not wait.
 */
export function onShutdown(log: Logger, stop: () => Promise<void>, graceMs = 15_000): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error({ graceMs }, 'shutdown took too long');
      process.exit(1);
    }, graceMs);
    deadline.unref();
    stop().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}

/** Start-up failures (bad configuration, unreachable dependency) end the process with one clear line. */
export async function runMain(name: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    process.stderr.write(`${name}: cannot start: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

/**
 * The one line that says a process serves: `{"msg":"ready"}`. Supervisors and the test kit wait
 * for it, so it is written at info level even when LOG_LEVEL is quieter. It names the Node.js
 * version the process runs on (`node: "v24.21.0"`): a process started by an older node shows.
 */
export function announceReady(log: Logger, details: Record<string, unknown> = {}): void {
  log.child({}, { level: 'info' }).info({ ...details, node: process.version }, 'ready');
}
