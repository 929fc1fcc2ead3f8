import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { TestkitError } from './errors.js';
import { trackChild } from './exit-cleanup.js';
import { OutputLines } from './output-lines.js';

export interface RunOnceOptions {
  name: string;
  command: string;
  args?: readonly string[];
  /** Added to this process's environment. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Longest the command may run; default 20 s. */
  timeoutMs?: number;
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

/** Runs a command to its end: resolves with its output when it exits 0, else rejects saying why. */
export async function runOnce(options: RunOnceOptions): Promise<string> {
  const { name, command, args = [], env, cwd, timeoutMs = 20_000 } = options;
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(child);
  const output = new OutputLines(200);
  output.follow(child, (line, stream) => options.onLine?.(line, stream));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    const [code, signal] = (await Promise.race([
      once(child, 'close'),
      once(child, 'error').then(([error]) => {
        throw new TestkitError(`${name} could not be started (${(error as Error).message})`);
      }),
    ])) as [number | null, NodeJS.Signals | null];
    if (code === 0) return output.text();
    const how =
      signal === 'SIGKILL'
        ? `was killed after ${timeoutMs} ms`
        : `exited (${signal ? `signal ${signal}` : `code ${code}`})`;
    const text = output.text();
    throw new TestkitError(`${name} ${how}${text ? `; its last output:\n${text}` : ' (it printed nothing)'}`);
  } finally {
    clearTimeout(timer);
  }
}
