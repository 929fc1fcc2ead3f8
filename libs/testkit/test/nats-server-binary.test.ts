import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { atLeast, BUILT_NATS_SERVER, findNatsServer, natsServerVersion } from '../src/nats-server-binary.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (let step = cleanups.pop(); step; step = cleanups.pop()) await step();
});

/** A folder holding a `nats-server` that only prints a version, to stand on PATH. */
async function fakeServerDir(version: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'testkit-fake-nats-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'nats-server');
  await writeFile(file, `#!/bin/sh\necho "nats-server: v${version}"\n`);
  await chmod(file, 0o755);
  return dir;
}

describe('findNatsServer', () => {
  it('takes the server built into .tools/bin ahead of one on PATH, and PATH when there is none built', async () => {
    const dir = await fakeServerDir('2.9.10');
    const expected = existsSync(BUILT_NATS_SERVER) ? BUILT_NATS_SERVER : join(dir, 'nats-server');
    expect(findNatsServer({ PATH: dir })).toBe(expected);
  });
});

describe('natsServerVersion', () => {
  it('reads the version `nats-server --version` prints', async () => {
    const dir = await fakeServerDir('2.15.2');
    expect(await natsServerVersion(join(dir, 'nats-server'))).toBe('2.15.2');
  });
});

describe('atLeast', () => {
  it('compares major and minor numerically', () => {
    expect(atLeast('2.15.2', 2, 10)).toBe(true);
    expect(atLeast('2.10.0', 2, 10)).toBe(true);
    expect(atLeast('2.9.10', 2, 10)).toBe(false);
    expect(atLeast('3.0.0', 2, 15)).toBe(true);
  });
});
