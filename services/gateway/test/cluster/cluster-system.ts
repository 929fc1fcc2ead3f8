import { connectBus, type NatsConnection } from '@im/bus';
import { createLogger } from '@im/log';
import {
  type ChildHandle,
  GATEWAY,
  type MongoHandle,
  type NatsCluster,
  type StackCopies,
  startMongo,
  startNatsCluster,
  startStackCopies,
  type TokenClaims,
} from '@im/testkit';

export const COPIES = 2;
export const NODES = 3;

/**
 * What `npm run start:cluster` runs, on free ports with temp stores: three NATS nodes with
 * JetStream replicas 3, one MongoDB-wire server, two copies of every service and of the gateway.
 */
export interface ClusterSystem {
  cluster: NatsCluster;
  copies: StackCopies;
  gatewayUrls: string[];
  /** Indexes of the gateways the load may use (a stopped one is taken out, as a balancer would). */
  gatewaysUp(): number[];
  setGatewayUp(index: number, up: boolean): void;
  /** Copy `copy` (0-based) of `service`. */
  process(service: string, copy: number): ChildHandle;
  token(claims: TokenClaims): string;
  /** A connection of the test's own, for reading streams and consumers. */
  nc: NatsConnection;
  stop(): Promise<void>;
}

export async function startClusterSystem(
  binary: string,
  env: Record<string, string>,
): Promise<ClusterSystem> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (let step = cleanups.pop(); step; step = cleanups.pop()) await step().catch(() => {});
  };
  try {
    const cluster = await startNatsCluster({ size: NODES, binary });
    cleanups.push(() => cluster.stop());
    await cluster.waitForJetStream();
    const mongo: MongoHandle = await startMongo();
    cleanups.push(() => mongo.stop());
    const copies = await startStackCopies({
      mode: 'source',
      natsUrls: cluster.urls,
      // No database in the URL: each service its own, as npm start and production run them.
      mongoUrl: mongo.url,
      copies: COPIES,
      logLevel: 'info',
      readyTimeoutMs: 90_000,
      env: { JETSTREAM_REPLICAS: String(NODES), ...env },
    });
    cleanups.push(() => copies.stop());
    const nc = await connectBus({
      servers: cluster.url,
      name: 'cluster-test',
      log: createLogger({ name: 'cluster-test', level: 'silent' }),
    });
    cleanups.push(() => nc.close());
    const up = new Set(copies.gatewayUrls.map((_, i) => i));
    return {
      cluster,
      copies,
      gatewayUrls: copies.gatewayUrls,
      gatewaysUp: () => [...up].sort(),
      setGatewayUp: (index, isUp) => (isUp ? up.add(index) : up.delete(index)),
      process: (service, copy) => {
        const handle = copies.copies[copy]?.processes[service];
        if (!handle) throw new Error(`no copy ${copy} of ${service}`);
        return handle;
      },
      token: (claims) => copies.token(claims),
      nc,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export { GATEWAY };
