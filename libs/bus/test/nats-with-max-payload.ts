import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ChildHandle,
  findOnPath,
  freePort,
  makeTempDir,
  removeTempDir,
  startProcess,
  tcpReachable,
} from '@im/testkit';

export interface SmallNats {
  url: string;
  maxPayload: number;
  stop(): Promise<void>;
  /** Stops the server and starts it again on the same port (a NATS outage). */
  restart(): Promise<void>;
  /** Stops the server without starting it again; `start()` brings it back. */
  pause(): Promise<void>;
  start(): Promise<void>;
}

/**
 * A nats-server of our own whose `max_payload` is small, so replies and requests past it are
 * cheap to build. The server reads the setting from a config file only (no command-line flag).
 */
export async function startNatsWithMaxPayload(maxPayload: number): Promise<SmallNats> {
  const binary = findOnPath('nats-server');
  if (!binary) throw new Error('nats-server is not installed (apt-get install nats-server)');
  const dir = await makeTempDir('im-nats-small-');
  const port = await freePort();
  const config = join(dir, 'nats.conf');
  await writeFile(config, `listen: 127.0.0.1:${port}\nmax_payload: ${maxPayload}\n`);
  const launch = () =>
    startProcess({
      name: 'nats-server',
      command: binary,
      args: ['-c', config],
      ready: {
        line: (line) => line.includes('Server is ready'),
        poll: () => tcpReachable('127.0.0.1', port),
      },
    });
  let child: ChildHandle | undefined;
  try {
    child = await launch();
  } catch (error) {
    await removeTempDir(dir);
    throw error;
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    maxPayload,
    async stop() {
      await child?.stop();
      await removeTempDir(dir);
    },
    restart: () => child!.restart(),
    async pause() {
      await child?.stop();
      child = undefined;
    },
    async start() {
      child = await launch();
    },
  };
}
