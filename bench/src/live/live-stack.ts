import { type Stack, startStack } from '@im/testkit';
import { type Db, MongoClient } from 'mongodb';
import type { WatchedProcess } from '../measure.js';
import { Api } from '../volume/api.js';
import { startServers, type VolumeServers } from '../volume/servers.js';
import { ORGANIZATION_ID } from './classes.js';
import { FanoutWatch } from './fanout-watch.js';

/**
 * Every service on the embedded default servers (startStack's own NATS and MongoDB-wire server,
 * FerretDB on SQLite where no mongod is installed), built (dist), as the signature and fanout
 * suites start them; warnings only, but for the workers' fan-out lines, which are the finish line.
 */
export interface LiveStack {
  stack: Stack;
  gatewayPid: number;
  /** Every service, then nats-server and the MongoDB-wire server where this user may see them. */
  processes: WatchedProcess[];
  /**
   * The databases the bench looks into, each service's own as in `npm start` (one SQLite file
   * each on FerretDB, so a push's writes do not queue behind a fan-out's for one file's lock):
   * the broadcast service's (its class projection), the workers' (deliveries), and a scratch one
   * for the raw insert rate.
   */
  dbs: { broadcast: Db; workers: Db; scratch: Db };
  /** The admin routes and the pushes are a service's: the bench plays the platform's backend. */
  api: Api;
  serviceToken: string;
  fanouts: FanoutWatch;
  /** A token of the student's own, as its app would hold. */
  tokenOf(studentUid: string): string;
  /** Services that exited on their own so far: any at all voids the figures. */
  crashes: string[];
  stop(): Promise<void>;
}

/** Thousands of streams and pushes from one address and a few tokens: far over the default limits. */
const UNLIMITED = { RATE_LIMIT_MAX: '1000000000', SIGNATURE_RATE_LIMIT_MAX: '1000000000' };
/** pino's `warn`: what a service logs at this level or above is shown on stderr. */
const WARN = 40;
const TOKEN_LIFETIME_S = 3_600;

export async function startLiveStack(): Promise<LiveStack> {
  const fanouts = new FanoutWatch();
  const crashes: string[] = [];
  // As `npm start` runs them: JetStream fsyncing every write, a MongoDB URL without a database.
  const servers: VolumeServers = await startServers();
  let stack: Stack;
  try {
    stack = await startStack({
      natsUrl: servers.natsUrl,
      mongoUrl: servers.mongoUrl,
      mode: 'dist',
      logLevel: 'warn',
      // The signature service refuses to start without an app's key; nothing here signs.
      env: { ...UNLIMITED, SIGNATURE_APP_KEYS: JSON.stringify({ '1': 'bench-key' }) },
      serviceEnv: { workers: { LOG_LEVEL: 'info' } },
      onLine: (service, line) => {
        if (service === 'workers') fanouts.read(line);
        if (levelOf(line) >= WARN) process.stderr.write(`[${service}] ${line}\n`);
      },
      onExit: (service, code, signal) => crashes.push(`${service} exited (${signal ?? `code ${code}`})`),
    });
  } catch (error) {
    await servers.stop();
    throw error;
  }
  const client = new MongoClient(stack.mongoUrl, { retryWrites: false });
  try {
    await client.connect();
  } catch (error) {
    await stack.stop();
    await servers.stop();
    throw error;
  }
  const serviceToken = stack.token({ sub: 'bench-live', role: 'service' }, { expiresInS: TOKEN_LIFETIME_S });
  const tokens = new Map<string, string>();
  return {
    stack,
    gatewayPid: stack.processes.gateway!.pid,
    processes: [
      ...Object.values(stack.processes).map(({ name, pid }) => ({ name, pid })),
      ...servers.processes,
    ],
    dbs: {
      broadcast: client.db('im_broadcast'),
      workers: client.db('im_workers'),
      scratch: client.db('im_bench'),
    },
    api: new Api(stack.gatewayUrl, serviceToken),
    serviceToken,
    fanouts,
    tokenOf: (uid) => {
      let token = tokens.get(uid);
      if (!token) {
        token = stack.token(
          { sub: uid, orgs: [ORGANIZATION_ID], role: 'user' },
          { expiresInS: TOKEN_LIFETIME_S },
        );
        tokens.set(uid, token);
      }
      return token;
    },
    crashes,
    stop: async () => {
      await client.close();
      await stack.stop();
      await servers.stop();
    },
  };
}

function levelOf(line: string): number {
  const match = /"level":(\d+)/.exec(line);
  return match ? Number(match[1]) : WARN;
}
