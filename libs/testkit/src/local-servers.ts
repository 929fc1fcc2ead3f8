import { join } from 'node:path';
import { withDbName } from './db-name.js';
import { freePort, isPortFree } from './free-port.js';
import { startMongo } from './mongo.js';
import { startNats } from './nats.js';

/** Fixed ports for the local run, next to (not on) the standard 4222 / 27017 another server may hold. */
export const DEFAULT_NATS_PORT = 14222;
export const DEFAULT_MONGO_PORT = 17017;
/** The database of the local run; a MONGO_URL given by the user keeps its own. */
export const LOCAL_DB_NAME = 'im';

export interface LocalServers {
  natsUrl: string;
  /** With its database: the user's from MONGO_URL, else `im`. */
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
  });
  try {
    const mongo = await startMongo({ dataRoot: dataDir, port: await preferredPort(DEFAULT_MONGO_PORT) });
    return {
      natsUrl: nats.url,
      mongoUrl: process.env.MONGO_URL ? mongo.url : withDbName(mongo.url, LOCAL_DB_NAME),
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
