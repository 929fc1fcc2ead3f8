import { join } from 'node:path';
import { freePort, isPortFree } from './free-port.js';
import { startMongo } from './mongo.js';
import { startNats } from './nats.js';
import { type NatsCluster, startNatsCluster } from './nats-cluster.js';

/** Fixed ports for the local run, next to (not on) the standard 4222 / 27017 another server may hold. */
export const DEFAULT_NATS_PORT = 14222;
export const DEFAULT_MONGO_PORT = 17017;

export interface LocalServers {
  /** The server's URL; a cluster's seeds, comma-separated. */
  natsUrl: string;
  /** Each NATS node's client URL (one for a single server). */
  natsUrls: string[];
  /** What serves NATS, for the run's log: `nats-server 2.15.2 (/…/.tools/bin/nats-server)`. */
  natsServer: string;
  /**
   * MONGO_URL as the user gave it; else the local server's URL with no database, so that each
   * service uses its own (im_group, im_broadcast, im_workers), as in production: on FerretDB's
   * SQLite backend a database is one file with one writer.
   */
  mongoUrl: string;
  stop(): Promise<void>;
}

/** The wanted port when it is free; otherwise any free port, so a second copy of the run still starts. */
async function preferredPort(port: number): Promise<number> {
  return (await isPortFree(port)) ? port : freePort();
}

/**
 * NATS and a MongoDB-wire server for `npm start`: NATS_URL / MONGO_URL when set; otherwise local
 * servers whose data persists under `<dataDir>` (nats/, ferretdb/ or mongod/) across runs.
 */
export async function startLocalServers(dataDir: string): Promise<LocalServers> {
  const nats = await startNats({
    storeDir: join(dataDir, 'nats'),
    port: await preferredPort(DEFAULT_NATS_PORT),
    // The local run keeps its data: fsync each JetStream write, as production should.
    syncAlways: true,
  });
  try {
    const mongo = await startMongo({ dataRoot: dataDir, port: await preferredPort(DEFAULT_MONGO_PORT) });
    return {
      natsUrl: nats.url,
      natsUrls: [nats.url],
      natsServer: nats.server,
      mongoUrl: mongo.url,
      stop: async () => {
        await mongo.stop();
        await nats.stop();
      },
    };
  } catch (error) {
    await nats.stop();
    throw error;
  }
}

/**
 * `npm run start:cluster`'s servers: a JetStream cluster of `size` local nats-server nodes (stores
 * under `<dataDir>/nats-cluster/n1…`, kept across runs) and the same MongoDB-wire server as
 * `npm start` (data under `<dataDir>`). NATS_URL is not used: the point is a cluster of our own.
 */
export async function startLocalCluster(
  dataDir: string,
  size = 3,
): Promise<LocalServers & { cluster: NatsCluster }> {
  const cluster = await startNatsCluster({ size, storeDir: join(dataDir, 'nats-cluster'), syncAlways: true });
  try {
    await cluster.waitForJetStream();
    const mongo = await startMongo({ dataRoot: dataDir, port: await preferredPort(DEFAULT_MONGO_PORT) });
    return {
      cluster,
      natsUrl: cluster.url,
      natsUrls: cluster.urls,
      natsServer: cluster.server,
      mongoUrl: mongo.url,
      stop: async () => {
        await mongo.stop();
        await cluster.stop();
      },
    };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}
