import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeBus, connectBus, type NatsConnection } from '@im/bus';
import { Streams } from '@im/contracts';
import { ensureStream, type JetStreamHandles, openJetStream } from '@im/events';
import { createLogger } from '@im/log';
import { startMongo, startNats } from '@im/testkit';
import { findListenerPid } from '../listener-pid.js';
import type { WatchedProcess } from '../measure.js';

/**
 * NATS and the MongoDB-wire server as `npm start` runs them (JetStream fsyncing every write; the
 * embedded default FerretDB on SQLite, or mongod where installed), in temporary folders removed
 * on stop, or kept in `keptDir` (`nats/` and the MongoDB-wire server's folder: kept-store.ts). The
 * MongoDB URL names no database, so each service uses its own, as `npm start` does.
 */
export interface VolumeServers {
  natsUrl: string;
  mongoUrl: string;
  /** nats-server and the MongoDB-wire server, for the CPU figures; those not found are left out. */
  processes: WatchedProcess[];
  stop(): Promise<void>;
}

export async function startServers(keptDir?: string): Promise<VolumeServers> {
  const nats = await startNats({ syncAlways: true, ...(keptDir ? { storeDir: join(keptDir, 'nats') } : {}) });
  let mongo: Awaited<ReturnType<typeof startMongo>>;
  try {
    mongo = await startMongo(keptDir ? { dataRoot: keptDir } : {});
  } catch (error) {
    await nats.stop();
    throw error;
  }
  const processes: WatchedProcess[] = [];
  for (const url of [nats.url, mongo.url]) {
    const pid = findListenerPid(Number(new URL(url).port));
    if (pid !== undefined) processes.push({ name: commandName(pid), pid });
  }
  return {
    natsUrl: nats.url,
    mongoUrl: mongo.url,
    processes,
    stop: async () => {
      await mongo.stop();
      await nats.stop();
    },
  };
}

function commandName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return `pid ${pid}`;
  }
}

/** The bench's own NATS connection to the servers: the projections' and the fan-out's backlogs. */
export interface BenchBus {
  nc: NatsConnection;
  jsm: JetStreamHandles['jsm'];
}

/**
 * Fresh servers (or those of a kept store), the DIRECTORY stream on them, and a connection for
 * `work`; all of it stopped afterwards, whatever happens.
 */
export async function withServers<T>(
  work: (servers: VolumeServers, bus: BenchBus) => Promise<T>,
  keptDir?: string,
): Promise<T> {
  const servers = await startServers(keptDir);
  try {
    const log = createLogger({ name: 'bench', level: 'warn', destination: process.stderr });
    const nc = await connectBus({ servers: servers.natsUrl, name: 'im-bench', log });
    try {
      const { jsm } = await openJetStream(nc);
      // DIRECTORY is the directory's stream, and the bench stands in for the directory.
      await ensureStream(jsm, Streams.directory);
      return await work(servers, { nc, jsm });
    } finally {
      await closeBus(nc);
    }
  } finally {
    await servers.stop();
  }
}
