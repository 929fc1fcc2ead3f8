import { join, resolve } from 'node:path';
import { NO_MONGO_MESSAGE, TestkitError } from './errors.js';
import { buildFerretdb, ferretdbArgs, ferretdbEnv } from './ferretdb.js';
import { mongoAnswers } from './mongo-ping.js';
import { type Probe, resolveProbe } from './probe.js';
import { repoRoot } from './repo-root.js';
import { startServerBinary } from './server-binary.js';
import { dataFolder } from './temp-dir.js';
import { pollUntil } from './wait.js';

export interface MongoHandle {
  /** `mongodb://host:port/` without a database: pick one with uniqueDbName(). */
  url: string;
  stop(): Promise<void>;
}

export interface StartMongoOptions {
  /** Keep data in `<dataRoot>/mongod` or `<dataRoot>/ferretdb` (the local run); default: a temp folder removed on stop. */
  dataRoot?: string;
  /** Fixed port; default: a free port. */
  port?: number;
  probe?: Partial<Probe>;
}

type ServerKind = 'mongod' | 'ferretdb';

/** Where scripts/install-ferretdb.sh builds FerretDB (buildFerretdb's answer). */
const OUR_FERRETDB = join(repoRoot(), '.tools', 'bin', 'ferretdb');

/**
 * A MongoDB-wire server, from the first source that works: MONGO_URL, `mongod`, `ferretdb` (PATH
 * or .tools/bin), FerretDB built with Go, a `mongo:7` container when a Docker engine answers.
 * Otherwise it throws one sentence saying what to install. Resolves once the server answers ping.
 */
export async function startMongo(options: StartMongoOptions = {}): Promise<MongoHandle> {
  const probe = resolveProbe(options.probe);
  const external = probe.env.MONGO_URL;
  if (external) {
    if (!(await pollUntil(() => mongoAnswers(external), Date.now() + 10_000))) {
      throw new TestkitError(`MONGO_URL (${redact(external)}) does not answer ping`);
    }
    return { url: external, stop: async () => {} };
  }
  const mongod = probe.findBinary('mongod');
  if (mongod) return startMongoBinary('mongod', mongod, options);
  const ferretdb = probe.findBinary('ferretdb');
  const go = probe.findBinary('go');
  // Our own build is brought up to date first (a no-op when it is): one left by an older
  // checkout lacks the patches the code relies on (docs/ferretdb.md, "Our build").
  if (ferretdb && go && resolve(ferretdb) === OUR_FERRETDB) {
    return startMongoBinary('ferretdb', await buildFerretdb(go), options);
  }
  if (ferretdb) return startMongoBinary('ferretdb', ferretdb, options);
  if (go) return startMongoBinary('ferretdb', await buildFerretdb(go), options);
  if (await probe.dockerAvailable()) return startMongoContainer();
  throw new TestkitError(NO_MONGO_MESSAGE);
}

function serverArgs(kind: ServerKind, dataDir: string, port: number): string[] {
  if (kind === 'ferretdb') return ferretdbArgs(dataDir, port);
  return ['--dbpath', dataDir, '--port', String(port), '--bind_ip', '127.0.0.1', '--quiet'];
}

async function startMongoBinary(
  kind: ServerKind,
  binary: string,
  options: StartMongoOptions,
): Promise<MongoHandle> {
  const data = await dataFolder(options.dataRoot && join(options.dataRoot, kind), `im-${kind}-`);
  try {
    const { port, child } = await startServerBinary({
      name: kind,
      command: binary,
      port: options.port,
      args: (port) => serverArgs(kind, data.dir, port),
      ...(kind === 'ferretdb' ? { env: ferretdbEnv() } : {}),
      ready: (port) => ({ poll: () => mongoAnswers(`mongodb://127.0.0.1:${port}/`) }),
    });
    return {
      url: `mongodb://127.0.0.1:${port}/`,
      stop: async () => {
        await child.stop();
        await data.release();
      },
    };
  } catch (error) {
    await data.release();
    throw error;
  }
}

async function startMongoContainer(): Promise<MongoHandle> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer('mongo:7')
    .withExposedPorts(27017)
    .withWaitStrategy(Wait.forLogMessage(/Waiting for connections/))
    .start();
  const url = `mongodb://${container.getHost()}:${container.getMappedPort(27017)}/`;
  if (!(await pollUntil(() => mongoAnswers(url), Date.now() + 30_000))) {
    await container.stop();
    throw new TestkitError('the mongo:7 container does not answer ping');
  }
  return {
    url,
    stop: async () => {
      await container.stop();
    },
  };
}

/** Credentials in a URL stay out of error messages. */
function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
