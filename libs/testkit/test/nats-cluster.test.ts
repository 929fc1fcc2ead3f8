import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AckPolicy,
  type JetStreamClient,
  jetstream,
  jetstreamManager,
  StorageType,
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { type NatsCluster, pollUntil, sleep, startNatsCluster } from '../src/index.js';
import { clusterNodeConfig } from '../src/nats-cluster-config.js';
import { metaNotReady, parseMetaView } from '../src/nats-cluster-meta.js';
import { atLeast, findNatsServer } from '../src/nats-server-binary.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (let step = cleanups.pop(); step; step = cleanups.pop()) await step();
});

const DEBIAN_NATS_SERVER = '/usr/sbin/nats-server';
/** The binary startNatsCluster picks, and Debian's 2.9 as well when it is there: both must cluster. */
const binaries = [...new Set([findNatsServer(), DEBIAN_NATS_SERVER].filter((b) => b && existsSync(b)))];
const NO_BINARY =
  'no nats-server binary: scripts/install-nats-server.sh builds one into .tools/bin (Debian: apt-get install nats-server)';

async function started(options: Parameters<typeof startNatsCluster>[0]): Promise<NatsCluster> {
  const cluster = await startNatsCluster(options);
  cleanups.push(() => cluster.stop());
  return cluster;
}

async function connected(servers: string): Promise<NatsConnection> {
  const nc = await connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  cleanups.push(() => nc.close());
  return nc;
}

/** Publishes until the cluster takes it: the msgID makes a repeat of an unseen success harmless. */
async function publishUntilStored(js: JetStreamClient, body: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      await js.publish('failover.message', body, { msgID: body, timeout: 2000 });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(250);
    }
  }
}

const bodies = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `message-${String(from + i).padStart(3, '0')}`);

describe.each(binaries.length > 0 ? binaries : [undefined])('startNatsCluster on %s', (binary) => {
  it.skipIf(!binary)(
    binary ? 'an R3 stream survives SIGKILL of its leader; the node restarts and catches up' : NO_BINARY,
    { timeout: 300_000 },
    async () => {
      const cluster = await started({ binary });
      expect(cluster.urls).toHaveLength(3);
      expect(cluster.url).toBe(cluster.urls.join(','));
      await cluster.waitForJetStream();

      const creator = await connected(cluster.urls[0]!);
      await (await jetstreamManager(creator)).streams.add({
        name: 'FAILOVER',
        subjects: ['failover.>'],
        num_replicas: 3,
        storage: StorageType.File,
      });
      const before = bodies(0, 20);
      // Through another node, retried like the publishes after the kill: a stream just created
      // may not be known on that node yet ("no responders", seen on 2.9 in CI).
      const publisher = jetstream(await connected(cluster.urls[1]!));
      for (const body of before) await publishUntilStored(publisher, body);

      const jsm = await jetstreamManager(creator);
      const leaderName = (await jsm.streams.info('FAILOVER')).cluster?.leader;
      const leader = cluster.nodes.find((node) => node.name === leaderName);
      expect(leader, `stream leader ${leaderName} is one of the nodes`).toBeDefined();
      await leader!.kill();

      const survivor = cluster.nodes.find((node) => node.running)!;
      const survivorNc = await connected(survivor.url);
      const survivorJs = jetstream(survivorNc);
      const after = bodies(20, 30);
      for (const body of after) await publishUntilStored(survivorJs, body);

      await leader!.start();
      await cluster.waitForJetStream();
      const survivorJsm = await jetstreamManager(survivorNc);
      let last = '';
      const caughtUp = await pollUntil(async () => {
        const info = await survivorJsm.streams.info('FAILOVER').catch(() => undefined);
        const replica = info?.cluster?.replicas?.find((peer) => peer.name === leader!.name);
        last = JSON.stringify({ state: info?.state.messages, cluster: info?.cluster });
        const current = info?.cluster?.leader === leader!.name || (replica?.current === true && !replica.lag);
        return current && info?.state.messages === 30;
      }, Date.now() + 90_000);
      expect(caughtUp, `restarted ${leader!.name} is a current replica of all 30 messages: ${last}`).toBe(
        true,
      );

      await survivorJsm.consumers.add('FAILOVER', { durable_name: 'reader', ack_policy: AckPolicy.Explicit });
      const consumer = await survivorJs.consumers.get('FAILOVER', 'reader');
      const read: string[] = [];
      const deadline = Date.now() + 60_000;
      while (read.length < 30 && Date.now() < deadline) {
        for await (const message of await consumer.fetch({ max_messages: 30, expires: 2000 })) {
          read.push(message.string());
          await message.ackAck();
        }
      }
      expect(read).toEqual([...before, ...after]); // each once, in order
      const extra: string[] = [];
      for await (const message of await consumer.fetch({ max_messages: 1, expires: 1000 })) {
        extra.push(message.string());
      }
      expect(extra).toEqual([]);
      const info = await consumer.info();
      expect(info.num_pending + info.num_ack_pending + info.num_redelivered).toBe(0);
    },
  );

  it.skipIf(!binary)(
    binary ? 'writes a config per node into a given store folder and keeps it on stop' : NO_BINARY,
    async () => {
      const storeDir = await mkdtemp(join(tmpdir(), 'testkit-cluster-'));
      cleanups.push(() => rm(storeDir, { recursive: true, force: true }));
      const cluster = await started({ binary, size: 2, name: 'kept', storeDir, syncAlways: true });
      await cluster.waitForJetStream();
      await cluster.stop();
      for (const node of cluster.nodes) {
        const config = readFileSync(join(storeDir, node.name, 'nats-server.conf'), 'utf8');
        expect(config).toContain(`server_name: "${node.name}"`);
        expect(config).toContain('name: "kept"');
        expect(config.includes('sync_interval: always')).toBe(atLeast(cluster.version, 2, 10));
        expect(existsSync(join(storeDir, node.name, 'jetstream'))).toBe(true);
        expect(node.running).toBe(false);
      }
    },
  );
});

describe('startNatsCluster refuses hostile options', () => {
  it('refuses a size outside 2 to 9 and a cluster name that is not a plain word', async () => {
    await expect(startNatsCluster({ size: 1 })).rejects.toThrow(/2 to 9 nodes/);
    await expect(startNatsCluster({ size: 2.5 })).rejects.toThrow(/2 to 9 nodes/);
    await expect(startNatsCluster({ name: 'a"b\n}' })).rejects.toThrow(/cluster name/);
  });

  it('writes no store path the config lexer would read otherwise', () => {
    const node = {
      serverName: 'n1',
      clusterName: 'c',
      clientPort: 4222,
      clusterPort: 6222,
      monitorPort: 8222,
      clusterPorts: [6222, 6223],
      syncAlways: false,
    };
    for (const storeDir of ['relative/dir', '/tmp/a"b', '/tmp/a\\b', '/tmp/a\nb'])
      expect(() => clusterNodeConfig({ ...node, storeDir })).toThrow(/store folder/);
    const config = clusterNodeConfig({ ...node, storeDir: '/tmp/store' });
    expect(config).toContain('"nats-route://127.0.0.1:6223"');
    expect(config).not.toContain('nats-route://127.0.0.1:6222'); // no route to itself
  });
});

describe('the meta group as /jsz shows it', () => {
  it('reads only what has the expected shape', () => {
    expect(parseMetaView(null)).toBeUndefined();
    expect(parseMetaView({ meta_cluster: [] })).toBeUndefined();
    expect(
      parseMetaView({ meta_cluster: { leader: 7, replicas: [{ name: 1 }, 'x', { name: 'n2' }] } }),
    ).toEqual({
      leader: undefined,
      peers: [{ name: 'n2', current: false }],
    });
  });

  it('is whole only when every running node follows one leader that sees the others as current', () => {
    const view = (leader: string | undefined, ...current: string[]) => ({
      leader,
      peers: current.map((name) => ({ name, current: true })),
    });
    const views = (...entries: [string, ReturnType<typeof view> | undefined][]) => new Map(entries);
    expect(metaNotReady(views())).toBe('no node is running');
    expect(metaNotReady(views(['n1', view('n2')], ['n2', undefined]))).toMatch(/no \/jsz answer from n2/);
    expect(metaNotReady(views(['n1', view(undefined)], ['n2', view('n2', 'n1')]))).toMatch(
      /knows a meta leader/,
    );
    expect(metaNotReady(views(['n1', view('n1')], ['n2', view('n2')]))).toMatch(/different meta leaders/);
    expect(metaNotReady(views(['n1', view('n3')], ['n2', view('n3')]))).toMatch(/not a running node/);
    expect(metaNotReady(views(['n1', view('n2')], ['n2', view('n2')]))).toMatch(/does not see n1/);
    expect(metaNotReady(views(['n1', view('n2')], ['n2', view('n2', 'n1')]))).toBeUndefined();
  });
});
