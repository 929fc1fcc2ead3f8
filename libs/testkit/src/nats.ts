import { NO_NATS_MESSAGE, TestkitError } from './errors.js';
import { freePort } from './free-port.js';
import { type Probe, resolveProbe } from './probe.js';
import { startServerBinary } from './server-binary.js';
import { dataFolder } from './temp-dir.js';
import { tcpReachable } from './wait.js';

export interface NatsHandle {
  url: string;
  stop(): Promise<void>;
  /** Stops the server and starts it again on the same port with the same store (crash tests). */
  restart(): Promise<void>;
}

export interface StartNatsOptions {
  /** JetStream store folder, kept on stop; default: a temp folder removed on stop. */
  storeDir?: string;
  /** Fixed client port; default: a free port. */
  port?: number;
  /** Override what the machine is believed to have (tests of the fallback order). */
  probe?: Partial<Probe>;
}

/**
 * A NATS server with JetStream, from the first source that works: NATS_URL, the nats-server
 * binary, a `nats:2.10` container when a Docker engine answers. Otherwise it throws one sentence
 * saying what to install.
 */
export async function startNats(options: StartNatsOptions = {}): Promise<NatsHandle> {
  const probe = resolveProbe(options.probe);
  const external = probe.env.NATS_URL;
  if (external) {
    return {
      url: external,
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
  const store = await dataFolder(options.storeDir, 'im-nats-');
  try {
    const { port, child } = await startServerBinary({
      name: 'nats-server',
      command: binary,
      port: options.port,
      args: (port) => ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store.dir],
      // The log line proves it is our server (not one that raced us to the port), TCP that it accepts.
      ready: (port) => ({
        line: (line) => line.includes('Server is ready'),
        poll: () => tcpReachable('127.0.0.1', port),
      }),
    });
    return {
      url: `nats://127.0.0.1:${port}`,
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

async function startNatsContainer(): Promise<NatsHandle> {
  const { GenericContainer, Wait } = await import('testcontainers');
  // A fixed host port, so a restarted container is reached at the same URL.
  const port = await freePort();
  const container = await new GenericContainer('nats:2.10')
    .withCommand(['-js'])
    .withExposedPorts({ container: 4222, host: port })
    .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
    .start();
  return {
    url: `nats://${container.getHost()}:${port}`,
    stop: async () => {
      await container.stop();
    },
    restart: () => container.restart(),
  };
}
