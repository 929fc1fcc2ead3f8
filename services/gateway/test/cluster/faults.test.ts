import { existsSync } from 'node:fs';
import { Streams } from '@im/contracts';
import { bearer, findNatsServer, sleep } from '@im/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditDeliveries, auditGroupEvents, consumersIdle } from './audit.js';
import { type ClusterSystem, GATEWAY, startClusterSystem } from './cluster-system.js';
import { type FaultWindow, figuresTable, successesByKind } from './figures.js';
import { ClusterLoad, ORG } from './load.js';
import { seedClasses } from './seed.js';
import { openStream } from './stream.js';

// Scale-out, proven: three NATS nodes (JetStream replicas 3), two copies of every service and of
// the gateway, a bounded load of pushes, group writes and signatures, and one fault after another:
// a NATS node killed (the class-message stream's leader first), each service's first copy killed,
// a gateway stopped with SIGTERM. Afterwards every acknowledged change happened exactly once.
const CLASSES = 80;
const STUDENTS_PER_CLASS = 6;
const NODE_DOWN_MS = 4_000;
const COPY_DOWN_MS = 3_000;
const SETTLE_MS = 3_000;

const DEBIAN_NATS_SERVER = '/usr/sbin/nats-server';
/** The server the tests use, and Debian's 2.9 as well when it is there: the cluster must hold on both. */
const binaries = [
  ...new Set([findNatsServer(), DEBIAN_NATS_SERVER].filter((b) => b && existsSync(b))),
] as string[];

describe.each(binaries)(
  'a cluster of three NATS nodes (%s) and two copies of everything, under faults',
  (binary) => {
    let system: ClusterSystem;
    let rosters: Map<number, string[]>;

    beforeAll(async () => {
      system = await startClusterSystem(binary, {
        SIGNATURE_APP_KEYS: JSON.stringify({ '1': 'cluster-key' }),
        RATE_LIMIT_MAX: '1000000',
        SIGNATURE_RATE_LIMIT_MAX: '1000000',
      });
      rosters = await seedClasses(system, CLASSES, STUDENTS_PER_CLASS);
    }, 400_000);
    afterAll(() => system?.stop());

    async function streamLeader(stream: string): Promise<string | undefined> {
      const jsm = await jetstreamManager(system.nc);
      return (await jsm.streams.info(stream)).cluster?.leader;
    }

    it('answers through every fault, and every acknowledged change happens exactly once', async () => {
      const load = new ClusterLoad(
        system,
        [...rosters].map(([classId, students]) => ({ classId, students })),
      );
      const windows: FaultWindow[] = [];
      const fault = async (name: string, inject: () => Promise<void>, heal: () => Promise<void>) => {
        const at = Date.now();
        await inject();
        await heal();
        const healedAt = Date.now();
        await sleep(SETTLE_MS);
        windows.push({ name, at, healedAt, endAt: Date.now() });
      };
      load.start({ concurrency: 4, pauseMs: 100, pushEveryMs: 800 });
      await fault(
        'none (warm-up)',
        async () => {},
        async () => {},
      );

      const { nodes } = system.cluster;
      const killed: string[] = [];
      for (const pick of ['class-message stream leader', 'a follower of it'] as const) {
        const leaderName = await streamLeader(Streams.classEvents.name);
        // The leader first; then a node that is neither the leader now nor the one killed before.
        const node =
          pick === 'class-message stream leader'
            ? nodes.find((n) => n.name === leaderName)
            : nodes.find((n) => n.name !== leaderName && !killed.includes(n.name));
        if (node) killed.push(node.name);
        expect(node, `a node for "${pick}" (leader ${leaderName})`).toBeDefined();
        await fault(
          `NATS ${node!.name}, ${pick.startsWith('a ') ? pick : `the ${pick}`}: SIGKILL, back after ${NODE_DOWN_MS / 1000} s`,
          () => node!.kill(),
          async () => {
            await sleep(NODE_DOWN_MS);
            await node!.start();
            await system.cluster.waitForJetStream();
          },
        );
      }

      for (const service of ['signature', 'group', 'broadcast', 'workers']) {
        const copy = system.process(service, 0);
        await fault(
          `${service}, copy 1: SIGKILL, back after ${COPY_DOWN_MS / 1000} s`,
          () => copy.kill(),
          async () => {
            await sleep(COPY_DOWN_MS);
            await copy.restart();
          },
        );
      }

      // A gateway told to stop: the balancer takes it out, what it accepted is answered, its live
      // streams end (the clients reconnect elsewhere), and it exits cleanly.
      const gateway = system.process(GATEWAY, 1);
      const stream = await openStream(system, 1, 'st-1-0');
      let inFlight: Promise<number>[] = [];
      await fault(
        'gateway, copy 2: SIGTERM, started again',
        async () => {
          system.setGatewayUp(1, false);
          inFlight = Array.from({ length: 8 }, (_, i) =>
            fetch(`${system.gatewayUrls[1]}/signature/login/1/drain-${i}`, {
              headers: bearer(system.token({ sub: `drain-${i}`, orgs: [ORG], role: 'user' })),
            }).then(
              async (res) => {
                await res.arrayBuffer();
                return res.status;
              },
              () => 0,
            ),
          );
          await sleep(20);
          await gateway.stop('SIGTERM', 15_000);
        },
        async () => {
          await gateway.restart();
          system.setGatewayUp(1, true);
        },
      );
      await load.stop();

      console.log(`cluster fault run (${system.cluster.server}):\n${figuresTable(load.outcomes, windows)}`);
      console.log(`answered 2xx, by kind: ${successesByKind(load.outcomes)}`);

      expect(await Promise.all(inFlight), 'requests in flight at the SIGTERM: all answered').toEqual(
        Array.from({ length: 8 }, () => 200),
      );
      expect(await stream.ended(5_000), 'the stopped gateway ended its live stream').toBe(true);
      expect(gateway.output()).toContain('"msg":"stopped"');

      expect(
        load.outcomes.filter((o) => o.status === 500),
        'no 500: only 503/504 (or no answer) while a dependency is away',
      ).toEqual([]);
      for (const kind of ['push', 'group_create', 'members_add', 'members_remove', 'signature'] as const) {
        const ok = load.outcomes.filter((o) => o.kind === kind && o.status >= 200 && o.status < 300);
        expect(ok.length, `${kind}: some succeeded`).toBeGreaterThan(0);
      }

      expect(await consumersIdle(system.nc, 90_000), 'every consumer caught up').toEqual([]);
      expect(await auditGroupEvents(system.nc, load.outcomes)).toEqual([]);
      expect(await auditDeliveries(system, load.outcomes, rosters, 60_000)).toEqual([]);
    }, 900_000);
  },
);
