import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

/**
 * Servers and temp folders still alive when the test process ends. A test that throws before its
 * `stop()` (or a Ctrl-C) must not leave a nats-server or a FerretDB running, nor data in /tmp.
 */
const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let installed = false;

function cleanUpNow(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  tempDirs.clear();
}

/**
 * On a signal, clean up and die as the signal asks, but only when nobody else listens: the local
 * run command handles SIGINT itself (stopping the gateway first) and ends with process.exit, which
 * still runs the 'exit' hook for whatever is left.
 */
function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  cleanUpNow();
  process.removeListener(signal, onSignal);
  process.kill(process.pid, signal);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', cleanUpNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
}

export function trackChild(child: ChildProcess): void {
  install();
  children.add(child);
  child.once('exit', () => children.delete(child));
}

export function trackTempDir(dir: string): void {
  install();
  tempDirs.add(dir);
}

export function untrackTempDir(dir: string): void {
  tempDirs.delete(dir);
}
