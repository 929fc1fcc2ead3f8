import { join } from 'node:path';
import { NO_NATS_MESSAGE, ProcessStartError, TestkitError } from './errors.js';
import { freePort } from './free-port.js';
import { assertNodeName } from './nats-cluster-config.js';
import { describeViews, type MetaView, metaNotReady, readMetaView } from './nats-cluster-meta.js';
import { ClusterNodeProcess, type NatsClusterNode } from './nats-cluster-node.js';
import { atLeast, findNatsServer, natsServerVersion } from './nats-server-binary.js';
import { dataFolder } from './temp-dir.js';
import { sleep } from './wait.js';

export type { NatsClusterNode } from './nats-cluster-node.js';

export interface StartNatsClusterOptions {
  /** How many nodes; default 3. A JetStream cluster needs 2 at least to have a quorum to lose. */
  size?: number;
  /** The cluster's `name`; default `im-test`. */
  name?: string;
  /** Kept parent of the nodes' stores (`<storeDir>/n1`, …); default: a temp folder removed on stop. */
  storeDir?: string;
  /** fsync every JetStream write where the server knows `sync_interval` (2.10+), as startNats does. */
  syncAlways?: boolean;
  /** The nats-server to run; default: the one startNats would pick (.tools/bin, PATH, /usr/sbin). */
  binary?: string;
}

export interface NatsCluster {
  /** Each node's client URL, in node order. */
  urls: string[];
  /** Every node's URL, comma-separated: the seeds a client (or NATS_URL) is given. */
  url: string;
  nodes: NatsClusterNode[];
  /** What runs the nodes, for log lines: `nats-server 2.15.2 (/…/.tools/bin/nats-server)`. */
  server: string;
  version: string;
  /**
   * Resolves once the running nodes agree on a JetStream meta leader that sees each of them as a
   * current peer: streams and consumers can be created, with as many replicas as nodes running.
   */
  waitForJetStream(options?: { timeoutMs?: number }): Promise<void>;
  /** Stops every node and removes the temp stores (a given storeDir is kept). */
  stop(): Promise<void>;
}

const MAX_SIZE = 9;
/** A port another process takes between freePort() and the bind ends a node at once: try anew. */
const START_ATTEMPTS = 3;

function clusterSize(size: unknown): number {
  if (size === undefined) return 3;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 2 || size > MAX_SIZE) {
    throw new TestkitError(`a NATS cluster has 2 to ${MAX_SIZE} nodes, got ${String(size)}`);
  }
  return size;
}

/**
 * A JetStream cluster of local nats-server processes on 127.0.0.1, each on free client, route
 * and monitoring ports with a store of its own, so tests can kill, restart and stop single nodes.
 * NATS_URL is not used: a server we did not start is not ours to kill.
 */
export async function startNatsCluster(options: StartNatsClusterOptions = {}): Promise<NatsCluster> {
  const size = clusterSize(options.size);
  const clusterName = options.name ?? 'im-test';
  assertNodeName('a cluster name', clusterName);
  const binary = options.binary ?? findNatsServer();
  if (!binary) throw new TestkitError(NO_NATS_MESSAGE);
  const version = await natsServerVersion(binary);
  const store = await dataFolder(options.storeDir, 'im-nats-cluster-');
  try {
    const nodes = await startNodes(binary, {
      size,
      clusterName,
      storeRoot: store.dir,
      syncAlways: options.syncAlways === true && atLeast(version, 2, 10),
    });
    return {
      urls: nodes.map((node) => node.url),
      url: nodes.map((node) => node.url).join(','),
      nodes,
      server: `nats-server ${version} (${binary})`,
      version,
      waitForJetStream: (wait) => waitForJetStream(nodes, wait?.timeoutMs ?? 60_000),
      stop: async () => {
        await Promise.all(nodes.map((node) => node.stop()));
        await store.release();
      },
    };
  } catch (error) {
    await store.release();
    throw error;
  }
}

interface Layout {
  size: number;
  clusterName: string;
  storeRoot: string;
  syncAlways: boolean;
}

/** All nodes at once (a lone node waits for routes anyway); on a lost port race, all anew. */
async function startNodes(binary: string, layout: Layout): Promise<ClusterNodeProcess[]> {
  for (let attempt = 1; ; attempt++) {
    const nodes = await placeNodes(binary, layout);
    const started = await Promise.allSettled(nodes.map((node) => node.start()));
    const failure = started.find((outcome) => outcome.status === 'rejected');
    if (!failure) return nodes;
    await Promise.all(nodes.map((node) => node.stop()));
    const error: unknown = failure.reason;
    if (!(error instanceof ProcessStartError && error.reason === 'exited') || attempt >= START_ATTEMPTS) {
      throw error;
    }
  }
}

/** Fresh ports for every node, named n1…nN, each with its store below the cluster's folder. */
async function placeNodes(binary: string, layout: Layout): Promise<ClusterNodeProcess[]> {
  const ports: { client: number; cluster: number; monitor: number }[] = [];
  for (let i = 0; i < layout.size; i++) {
    ports.push({ client: await freePort(), cluster: await freePort(), monitor: await freePort() });
  }
  const clusterPorts = ports.map((port) => port.cluster);
  return ports.map((port, i) => {
    const serverName = `n${i + 1}`;
    return new ClusterNodeProcess(binary, {
      serverName,
      clusterName: layout.clusterName,
      clientPort: port.client,
      clusterPort: port.cluster,
      monitorPort: port.monitor,
      storeDir: join(layout.storeRoot, serverName),
      clusterPorts,
      syncAlways: layout.syncAlways,
    });
  });
}

/** Polls the running nodes' `/jsz` until metaNotReady has nothing to say; throws what it said last. */
async function waitForJetStream(nodes: readonly NatsClusterNode[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const running = nodes.filter((node) => node.running);
    const views = new Map<string, MetaView | undefined>(
      await Promise.all(
        running.map(async (node) => [node.name, await readMetaView(node.monitorUrl)] as const),
      ),
    );
    const reason = metaNotReady(views);
    if (reason === undefined) return;
    if (running.length === 0 || Date.now() >= deadline) {
      throw new TestkitError(
        `the NATS cluster has no JetStream meta leader after ${timeoutMs} ms: ${reason} (${describeViews(views)})`,
      );
    }
    await sleep(200);
  }
}
