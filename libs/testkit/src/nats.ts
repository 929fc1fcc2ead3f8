import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NO_NATS_MESSAGE, TestkitError } from './errors.js';
import { freePort } from './free-port.js';
import { atLeast, findNatsServer, natsServerVersion } from './nats-server-binary.js';
import { type Probe, resolveProbe } from './probe.js';
import { startServerBinary } from './server-binary.js';
import { dataFolder } from './temp-dir.js';
import { tcpReachable } from './wait.js';

/** The nats-server line we test on; the testcontainers fallback runs the same line. */
export const TESTED_NATS_LINE = '2.15';

export interface NatsHandle {
  url: string;
  /** What serves `url`, for log lines: `nats-server 2.15.2 (/…/.tools/bin/nats-server)`. */
  server: string;
  /** The version of the binary the testkit started (`2.15.2`); undefined for NATS_URL and containers. */
  version?: string;
  stop(): Promise<void>;
  /** Stops the server and starts it again on the same port with the same store (crash tests). */
  restart(): Promise<void>;
}

export interface StartNatsOptions {
  /** JetStream store folder, kept on stop; default: a temp folder removed on stop. */
  storeDir?: string;
  /** Fixed client port; default: a free port. */
  port?: number;
  /**
   * fsync every JetStream write (`sync_interval: always`) instead of every 2 minutes, so a machine
   * crash loses nothing acknowledged. Needs nats-server 2.10+; an older one runs without it.
   */
  syncAlways?: boolean;
  /** Override what the machine is believed to have (tests of the fallback order). */
  probe?: Partial<Probe>;
}

let warnedOldServer = false;

/**
 * A NATS server with JetStream, from the first source that works: NATS_URL, the nats-server
 * binary (the one scripts/install-nats-server.sh built into .tools/bin ahead of any on PATH),
 * a `nats` container when a Docker engine answers. Otherwise it throws one sentence saying what
 * to install.
 */
export async function startNats(options: StartNatsOptions = {}): Promise<NatsHandle> {
  const env = options.probe?.env ?? process.env;
  // The default lookup prefers .tools/bin; a probe given by a test still decides alone.
  const probe = resolveProbe({ findBinary: () => findNatsServer(env), ...options.probe });
  const external = probe.env.NATS_URL;
  if (external) {
    return {
      url: external,
      server: 'the server at NATS_URL',
      stop: async () => {},
      restart: async () => {
        throw new TestkitError('restart is not supported with NATS_URL (the server is not ours to stop)');
      },
    };
  }
  const binary = probe.findBinary('nats-server');
  if (binary) return startNatsBinary(binary, options);
  if (await probe.dockerAvailable()) return startNatsContainer();
  throw new TestkitError(NO_NATS_MESSAGE);
}

async function startNatsBinary(binary: string, options: StartNatsOptions): Promise<NatsHandle> {
  const version = await natsServerVersion(binary);
  warnWhenOlderThanTested(binary, version);
  const store = await dataFolder(options.storeDir, 'im-nats-');
  try {
    const config = await syncConfig(store.dir, version, options.syncAlways);
    const { port, child } = await startServerBinary({
      name: 'nats-server',
      command: binary,
      port: options.port,
      args: (port) => [...config, '-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store.dir],
      // The log line proves it is our server (not one that raced us to the port), TCP that it accepts.
      ready: (port) => ({
        line: (line) => line.includes('Server is ready'),
        poll: () => tcpReachable('127.0.0.1', port),
      }),
    });
    return {
      url: `nats://127.0.0.1:${port}`,
      server: `nats-server ${version} (${binary})`,
      version,
      stop: async () => {
        await child.stop();
        await store.release();
      },
      restart: () => child.restart(),
    };
  } catch (error) {
    await store.release();
    throw error;
  }
}

/** `-c <file>` asking for an fsync per write, when wanted and the server knows the setting. */
async function syncConfig(storeDir: string, version: string, syncAlways = false): Promise<string[]> {
  if (!syncAlways || !atLeast(version, 2, 10)) return [];
  const file = join(storeDir, 'nats-server.conf');
  await writeFile(file, 'jetstream {\n  sync_interval: always\n}\n');
  return ['-c', file];
}

/** Once per process: a run on Debian's 2.9 still works, but is not what the tests are meant for. */
function warnWhenOlderThanTested(binary: string, version: string): void {
  const [major = 0, minor = 0] = TESTED_NATS_LINE.split('.').map(Number);
  if (warnedOldServer || atLeast(version, major, minor)) return;
  warnedOldServer = true;
  process.stderr.write(
    `testkit: using nats-server ${version} (${binary}); we test on ${TESTED_NATS_LINE}, which scripts/install-nats-server.sh builds into .tools/bin\n`,
  );
}

async function startNatsContainer(): Promise<NatsHandle> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const image = `nats:${TESTED_NATS_LINE}`;
  // A fixed host port, so a restarted container is reached at the same URL.
  const port = await freePort();
  const container = await new GenericContainer(image)
    .withCommand(['-js'])
    .withExposedPorts({ container: 4222, host: port })
    .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
    .start();
  return {
    url: `nats://${container.getHost()}:${port}`,
    server: `${image} container`,
    stop: async () => {
      await container.stop();
    },
    restart: () => container.restart(),
  };
}
