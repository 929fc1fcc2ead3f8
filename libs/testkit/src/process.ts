import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProcessStartError, type StartFailure } from './errors.js';
import { trackChild } from './exit-cleanup.js';
import { OutputLines } from './output-lines.js';
import { firstOutcome, isReadyLogLine, type ReadyCheck } from './ready.js';
import type { RestartEvent } from './restart-event.js';
import { RestartBackoff, type RestartPolicy } from './restart-policy.js';

/** How many output lines a handle keeps for error messages: enough for a stack trace and its context. */
const KEPT_LINES = 200;
const DEFAULT_TIMEOUT_MS = 20_000;

interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

export interface StartProcessOptions {
  name: string;
  command: string;
  args?: readonly string[];
  /** Added to this process's environment (PATH and friends are inherited). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** How long the process may take to become ready; default 20 s. */
  timeoutMs?: number;
  ready?: ReadyCheck;
  /** Every output line as it arrives (the local run forwards them with a name prefix). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Called when the process exits after it was ready without stop(), kill() or restart() asking. */
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
  /**
   * Start the process again (same command and environment) whenever it exits after it was ready
   * without being asked to, and again after each restart that fails, waiting as the policy says.
   * A first start that fails still rejects: nothing is supervised that never ran.
   */
  restart?: RestartPolicy;
  /** Each restart scheduled, and each restarted process once it is ready. */
  onRestart?: (event: RestartEvent) => void;
}

export interface ChildHandle {
  readonly name: string;
  /** The current process id; a restart changes it. */
  readonly pid: number;
  /** The last output lines (stdout and stderr interleaved), for assertion and error messages. */
  output(): string;
  /** Sends `signal`, then SIGKILL if the process has not exited after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<void>;
  /** SIGKILL, as a crash would; resolves once the process has exited. */
  kill(): Promise<void>;
  /** Stops the process and starts it again with the same options, waiting until it is ready. */
  restart(): Promise<void>;
}

const exitText = (code: number | null, signal: NodeJS.Signals | null) =>
  signal ? `signal ${signal}` : `code ${code}`;

class ManagedProcess implements ChildHandle {
  readonly name: string;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  /**
   * Bumped by every start, stop and kill. An exit, or a restart scheduled, belongs to the
   * generation it happened in: once another has begun, nobody is waiting for it any more.
   */
  #generation = 0;
  #readyAt = 0;
  readonly #backoff: RestartBackoff | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  readonly #output = new OutputLines(KEPT_LINES);

  constructor(private readonly options: StartProcessOptions) {
    this.name = options.name;
    this.#backoff = options.restart && new RestartBackoff(options.restart);
  }

  get pid(): number {
    return this.#child?.pid ?? -1;
  }

  output(): string {
    return this.#output.text();
  }

  async start(): Promise<void> {
    const {
      command,
      args = [],
      cwd,
      env,
      timeoutMs = DEFAULT_TIMEOUT_MS,
      ready = { line: isReadyLogLine },
    } = this.options;
    const generation = ++this.#generation;
    // A process group of its own: a Ctrl-C in the terminal reaches only us, and we stop the
    // children in order (gateway first) instead of all of them dying at once.
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.#child = child;
    trackChild(child);

    let sawReadyLine!: () => void;
    const readyLine = new Promise<void>((resolve) => {
      sawReadyLine = resolve;
    });
    this.#output.follow(child, (line, stream) => {
      this.options.onLine?.(line, stream);
      if (ready.line?.(line)) sawReadyLine();
    });

    const exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      // A spawn failure (ENOENT) emits 'error' and never 'exit'.
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
    });
    this.#exited = exited.then(() => undefined);

    const outcome = await firstOutcome(ready, readyLine, exited, timeoutMs);
    if (outcome === 'ready') {
      this.#readyAt = Date.now();
      void exited.then(({ code, signal }) => {
        if (generation !== this.#generation) return;
        this.options.onExit?.(code, signal);
        this.#restartLater(`${this.name} exited (${exitText(code, signal)})`, Date.now() - this.#readyAt);
      });
      return;
    }
    await this.#failStart(child, outcome, exited);
  }

  /** Turns a failed start into an error that carries the process's last output. */
  async #failStart(child: ChildProcess, reason: StartFailure, exited: Promise<ExitInfo>): Promise<never> {
    let message: string;
    if (reason === 'timeout') {
      child.kill('SIGKILL');
      await exited;
      message = `${this.name} was not ready after ${this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`;
    } else {
      const { code, signal, error } = await exited;
      message = error
        ? `${this.name} could not be started (${error.message})`
        : `${this.name} exited (${exitText(code, signal)}) before it was ready`;
    }
    // The last lines often arrive just after 'exit'; wait briefly for the pipes to drain.
    await Promise.race([once(child, 'close'), sleep(500)]);
    throw new ProcessStartError(message, reason, this.output());
  }

  /** Schedules the next start when restarts are on; `upForMs`: how long the dead process was ready. */
  #restartLater(summary: string, upForMs: number): void {
    if (!this.#backoff) return;
    const { delayMs, attempt } = this.#backoff.next(upForMs);
    const generation = this.#generation;
    this.options.onRestart?.({ kind: 'scheduled', summary, delayMs, attempt });
    this.#restartTimer = setTimeout(() => void this.#revive(generation, attempt), delayMs);
  }

  async #revive(generation: number, attempt: number): Promise<void> {
    this.#restartTimer = undefined;
    if (generation !== this.#generation) return; // stopped, killed or restarted by hand meanwhile
    const starting = this.start(); // bumps the generation before its first await
    const mine = this.#generation;
    try {
      await starting;
    } catch (error) {
      if (mine !== this.#generation) return;
      const summary = error instanceof ProcessStartError ? error.summary : `${this.name}: ${String(error)}`;
      this.#restartLater(summary, 0);
      return;
    }
    if (mine === this.#generation) this.options.onRestart?.({ kind: 'restarted', pid: this.pid, attempt });
  }

  /** The child while it runs; marks any exit from now on as requested, and cancels a pending restart. */
  #claimExit(): ChildProcess | undefined {
    this.#generation++;
    clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return undefined;
    return child;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 5000): Promise<void> {
    const child = this.#claimExit();
    if (!child) return;
    child.kill(signal);
    const timer = new AbortController();
    const timedOut = await Promise.race([
      this.#exited.then(() => false),
      sleep(timeoutMs, true, { signal: timer.signal }),
    ]);
    timer.abort();
    if (timedOut) await this.kill();
  }

  async kill(): Promise<void> {
    this.#claimExit()?.kill('SIGKILL');
    await this.#exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

/**
 * Spawns a long-running process and resolves once it is ready (by default: it logged the pino
 * line `{"msg":"ready"}`). Rejects with its captured output if it exits first or is not ready
 * within `timeoutMs`; the process is then gone.
 */
export async function startProcess(options: StartProcessOptions): Promise<ChildHandle> {
  const handle = new ManagedProcess(options);
  await handle.start();
  return handle;
}
