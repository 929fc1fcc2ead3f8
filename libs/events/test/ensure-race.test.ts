import { closeBus, connectBus, type NatsConnection } from '@im/bus';
import { createLogger } from '@im/log';
import { type NatsCluster, type NatsHandle, startNats, startNatsCluster } from '@im/testkit';
import { AckPolicy, type JetStreamManager } from '@nats-io/jetstream';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsumer } from '../src/ensure-consumer.js';
import { ensureStream, type JetStreamHandles, openJetStream, runConsumer } from '../src/index.js';

/**
 * Copies of a service start together and each ensures its streams and durables: on one server
 * and on a 3-node cluster with R3 streams (whose leader is still being elected while the copies
 * go on to their consumers), every copy's start succeeds and one stream and one consumer result.
 */
const quiet = createLogger({ name: 'test', level: 'silent' });
const COPIES = 4;

interface Setup {
  name: string;
  replicas: number;
  start(): Promise<{ seeds: string[]; stop(): Promise<void> }>;
}

const setups: Setup[] = [
  {
    name: 'one server',
    replicas: 1,
    async start() {
      const nats: NatsHandle = await startNats();
      return { seeds: [nats.url], stop: () => nats.stop() };
    },
  },
  {
    name: 'a 3-node cluster, replicas 3',
    replicas: 3,
    async start() {
      const cluster: NatsCluster = await startNatsCluster();
      await cluster.waitForJetStream();
      return { seeds: cluster.urls, stop: () => cluster.stop() };
    },
  },
];

/** Every consumer of a stream, by name. */
async function consumerNames(jsm: JetStreamManager, stream: string): Promise<string[]> {
  return (await jsm.consumers.list(stream).next()).map((c) => c.name).sort();
}

async function streamNames(jsm: JetStreamManager): Promise<string[]> {
  const names: string[] = [];
  for await (const name of jsm.streams.names()) names.push(name);
  return names;
}

describe.each(setups)('copies ensuring the same stream and durable at once, on $name', (setup) => {
  let servers: Awaited<ReturnType<Setup['start']>>;
  let connections: NatsConnection[] = [];
  let copies: JetStreamHandles[] = [];

  beforeAll(async () => {
    servers = await setup.start();
    const { seeds } = servers;
    // Each copy connects to another node first, as the compose file spreads them.
    connections = await Promise.all(
      Array.from({ length: COPIES }, (_, i) =>
        connectBus({
          servers: [...seeds.slice(i % seeds.length), ...seeds.slice(0, i % seeds.length)].join(','),
          name: `copy-${i}`,
          log: quiet,
        }),
      ),
    );
    copies = await Promise.all(connections.map((nc) => openJetStream(nc)));
  });
  afterAll(async () => {
    await Promise.all(connections.map((nc) => closeBus(nc)));
    await servers?.stop();
  });

  it('all succeed, and one stream with one consumer results', async () => {
    const spec = { name: 'RACE_EVENTS', subjects: ['race.events.>'] };
    const config = {
      durable_name: 'race-reader',
      ack_policy: AckPolicy.Explicit,
      filter_subject: 'race.events.>',
      max_ack_pending: 16,
    };
    const outcomes = await Promise.allSettled(
      copies.map(async ({ jsm }) => {
        await ensureStream(jsm, spec, { replicas: setup.replicas });
        await ensureConsumer(jsm, spec.name, config);
      }),
    );
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);

    const jsm = copies[0]?.jsm as JetStreamManager;
    expect((await streamNames(jsm)).filter((name) => name === spec.name)).toEqual([spec.name]);
    const info = await jsm.streams.info(spec.name);
    expect(info.config).toMatchObject({ subjects: spec.subjects, num_replicas: setup.replicas });
    expect(await consumerNames(jsm, spec.name)).toEqual(['race-reader']);
    expect((await jsm.consumers.info(spec.name, 'race-reader')).config.max_ack_pending).toBe(16);
  });

  it('also when two versions of the service race with different consumer settings', async () => {
    const spec = { name: 'RACE_VERSIONS', subjects: ['race.versions.>'] };
    const configOf = (i: number) => ({
      durable_name: 'versions-reader',
      ack_policy: AckPolicy.Explicit,
      filter_subject: 'race.versions.>',
      max_ack_pending: i % 2 === 0 ? 16 : 32,
    });
    const outcomes = await Promise.allSettled(
      copies.map(async ({ jsm }, i) => {
        await ensureStream(jsm, spec, { replicas: setup.replicas });
        await ensureConsumer(jsm, spec.name, configOf(i));
      }),
    );
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    const jsm = copies[0]?.jsm as JetStreamManager;
    expect(await consumerNames(jsm, spec.name)).toEqual(['versions-reader']);
    // Whichever copy wrote last: one of the two, nothing else.
    expect([16, 32]).toContain(
      (await jsm.consumers.info(spec.name, 'versions-reader')).config.max_ack_pending,
    );
  });

  it('runConsumer started by every copy at once binds each of them to the one durable', async () => {
    const spec = { name: 'RACE_RUN', subjects: ['race.run.>'] };
    const running = await Promise.all(
      copies.map(async (handles) => {
        await ensureStream(handles.jsm, spec, { replicas: setup.replicas });
        return runConsumer(handles, quiet, {
          stream: spec.name,
          durable: 'run-reader',
          filterSubject: 'race.run.>',
          schema: Type.Object({ event_id: Type.String() }),
          handle: async () => {},
        });
      }),
    );
    try {
      expect(await Promise.all(running.map((r) => r.bound))).toEqual(Array(COPIES).fill(true));
      expect(await consumerNames(copies[0]?.jsm as JetStreamManager, spec.name)).toEqual(['run-reader']);
    } finally {
      await Promise.all(running.map((r) => r.stop()));
    }
  });
});
