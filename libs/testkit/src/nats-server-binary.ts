import { execFile } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { findOnPath } from './probe.js';
import { repoRoot } from './repo-root.js';

/** Where scripts/install-nats-server.sh builds the server we test on. */
export const TOOLS_BIN = join(repoRoot(), '.tools', 'bin');
export const BUILT_NATS_SERVER = join(TOOLS_BIN, 'nats-server');

/**
 * The nats-server to run: the one built into .tools/bin first (the version we test on), then
 * PATH, then /usr/sbin, where Debian's 2.9 lives as a fallback.
 */
export function findNatsServer(env: Record<string, string | undefined> = process.env): string | undefined {
  const path = [TOOLS_BIN, env.PATH].filter(Boolean).join(delimiter);
  return findOnPath('nats-server', { ...env, PATH: path });
}

/** `2.15.2` from `nats-server --version`, which prints `nats-server: v2.15.2`. */
export async function natsServerVersion(binary: string): Promise<string> {
  const { stdout } = await promisify(execFile)(binary, ['--version'], { timeout: 10_000 });
  const version = /v?(\d+\.\d+\.\d+\S*)/.exec(stdout)?.[1];
  if (!version) throw new Error(`${binary} --version printed no version: ${stdout.trim()}`);
  return version;
}

/** Whether `version` is at least `major.minor` (2.10 brought `sync_interval`, for one). */
export function atLeast(version: string, major: number, minor: number): boolean {
  const [have = 0, haveMinor = 0] = version.split('.').map(Number);
  return have > major || (have === major && haveMinor >= minor);
}
