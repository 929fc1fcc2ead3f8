import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { type NatsHandle, startNats, tcpReachable } from '../src/index.js';
import { atLeast, BUILT_NATS_SERVER, natsServerVersion } from '../src/nats-server-binary.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (let step = cleanups.pop(); step; step = cleanups.pop()) await step();
});

async function started(options?: Parameters<typeof startNats>[0]): Promise<NatsHandle> {
  const nats = await startNats({ ...options, probe: { env: { PATH: process.env.PATH } } });
  cleanups.push(() => nats.stop());
  return nats;
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

describe('startNats (local nats-server)', () => {
  // CI builds it (scripts/install-nats-server.sh); elsewhere the test runs when it was built.
  it.runIf(existsSync(BUILT_NATS_SERVER) || process.env.CI === 'true')(
    'prefers the nats-server built into .tools/bin over the one on PATH: the server reports 2.15',
    async () => {
      const nats = await started();
      expect(nats.server).toContain(BUILT_NATS_SERVER);
      expect(nats.version).toBe(await natsServerVersion(BUILT_NATS_SERVER));
      const nc = await connect({ servers: nats.url });
      try {
        expect(nc.info?.version).toBe(nats.version);
        expect(nc.info?.version).toMatch(/^2\.15\./);
      } finally {
        await nc.close();
      }
    },
  );

  it('with syncAlways, starts the server with `sync_interval: always` where it knows the setting (2.10+)', async () => {
    const storeDir = await mkdtemp(join(tmpdir(), 'testkit-sync-'));
    cleanups.push(() => rm(storeDir, { recursive: true, force: true }));
    const nats = await started({ storeDir, syncAlways: true });
    const config = join(storeDir, 'nats-server.conf');
    if (atLeast(nats.version!, 2, 10)) expect(readFileSync(config, 'utf8')).toMatch(/sync_interval: always/);
    else expect(existsSync(config)).toBe(false);
    const nc = await connect({ servers: nats.url }); // the server took the file and serves
    await nc.close();
  });

  it('serves connections with JetStream enabled', async () => {
    const nats = await started();
    const nc = await connect({ servers: nats.url });
    try {
      const account = await (await jetstreamManager(nc)).getAccountInfo();
      expect(account.streams).toBe(0);
    } finally {
      await nc.close();
    }
  });

  it('restart() comes back on the same URL and keeps the streams and their messages', async () => {
    const nats = await started();
    const before = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(before);
    await jsm.streams.add({ name: 'KEEP', subjects: ['keep.>'] });
    await jetstream(before).publish('keep.one', 'first message');
    await before.close();

    await nats.restart();

    const after = await connect({ servers: nats.url });
    try {
      const stream = await (await jetstreamManager(after)).streams.get('KEEP');
      expect((await stream.info()).state.messages).toBe(1);
      expect((await stream.getMessage({ seq: 1 }))?.string()).toBe('first message');
    } finally {
      await after.close();
    }
  });

  it('stop() ends the server and removes its temporary store', async () => {
    const previousTmp = process.env.TMPDIR;
    const tmp = await mkdtemp(join(tmpdir(), 'testkit-tmp-'));
    process.env.TMPDIR = tmp; // os.tmpdir() reads it on each call: the store lands where we can see it
    try {
      const nats = await startNats({ probe: { env: { PATH: process.env.PATH } } });
      expect(readdirSync(tmp)).toHaveLength(1);
      await nats.stop();
      expect(readdirSync(tmp)).toEqual([]);
      expect(await tcpReachable('127.0.0.1', portOf(nats.url))).toBe(false);
    } finally {
      if (previousTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previousTmp;
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it('keeps a given store folder on stop', async () => {
    const storeDir = await mkdtemp(join(tmpdir(), 'testkit-store-'));
    cleanups.push(() => rm(storeDir, { recursive: true, force: true }));
    const nats = await startNats({ storeDir, probe: { env: { PATH: process.env.PATH } } });
    await nats.stop();
    expect(existsSync(join(storeDir, 'jetstream'))).toBe(true);
  });
});
