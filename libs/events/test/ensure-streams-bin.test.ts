import { resolve } from 'node:path';
import { closeBus, connectBus, type NatsConnection } from '@im/bus';
import { Streams } from '@im/contracts';
import { createLogger } from '@im/log';
import { type NatsHandle, repoRoot, runOnce, startNats } from '@im/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `im-ensure-streams`, what the directory's side (or an operator) runs to provision DIRECTORY,
 * run as a real process (through tsx, from source) against a real nats-server.
 */
const log = createLogger({ name: 'test', level: 'silent' });
let nats: NatsHandle;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startNats();
  nc = await connectBus({ servers: nats.url, name: 'ensure-streams-test', log });
});
afterAll(async () => {
  await closeBus(nc);
  await nats.stop();
});

const BIN = resolve(import.meta.dirname, '../src/bin/ensure-streams.ts');
const run = (args: string[] = [], env: Record<string, string> = {}) =>
  runOnce({
    name: 'im-ensure-streams',
    command: process.execPath,
    args: ['--conditions=@im/source', '--import', 'tsx', BIN, ...args],
    cwd: repoRoot(),
    env: { NATS_URL: nats.url, ...env },
    timeoutMs: 30_000,
  });

describe('im-ensure-streams', () => {
  it('creates DIRECTORY by default with the configured replicas, and leaves it as it is the next time', async () => {
    const jsm = await jetstreamManager(nc);
    await expect(jsm.streams.info(Streams.directory.name)).rejects.toThrow(/stream not found/);
    expect(await run([], { JETSTREAM_REPLICAS: '1' })).toBe(
      'DIRECTORY: created (subjects directory.>, 1 replica)',
    );
    const info = await jsm.streams.info(Streams.directory.name);
    expect(info.config).toMatchObject({ subjects: ['directory.>'], num_replicas: 1 });
    expect(info.config.duplicate_window).toBe(10 * 60 * 1e9);
    // Nothing else: the other streams are their publishers' to create.
    expect((await jsm.streams.names().next()).sort()).toEqual(['DIRECTORY']);

    expect(await run()).toBe('DIRECTORY: exists, left as it is (subjects directory.> included)');
  });

  it('creates every stream with --all, and refuses a name that is not ours', async () => {
    const out = await run(['--all']);
    expect(out.split('\n')).toHaveLength(Object.keys(Streams).length);
    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.names().next()).sort()).toEqual(
      Object.values(Streams)
        .map((s) => s.name)
        .sort(),
    );
    await expect(run(['--stream', 'NOPE'])).rejects.toThrow(
      /exited \(code 1\)[\s\S]*--stream NOPE: not a stream of ours/,
    );
    await expect(run(['--replicas', '0'])).rejects.toThrow(/--replicas: must be an integer from 1 to 5/);
  });
});
