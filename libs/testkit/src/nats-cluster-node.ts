import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ClusterNodeConfig, clusterNodeConfig } from './nats-cluster-config.js';
import type { ChildHandle } from './process.js';
import { startServerBinary } from './server-binary.js';
import { tcpReachable } from './wait.js';

/** One nats-server of a cluster, on ports fixed for its whole life so routes and clients find it again. */
export interface NatsClusterNode {
  /** Its `server_name`, as stream info (`cluster.leader`, `cluster.replicas`) names it. */
  readonly name: string;
  /** Its client URL alone (the cluster's `url` lists them all). */
  readonly url: string;
  /** Its HTTP monitoring endpoint (`/jsz`, `/routez`, …). */
  readonly monitorUrl: string;
  /** Whether the testkit has it started (false after kill() or stop(), until start()). */
  readonly running: boolean;
  /** SIGKILL, as a crash would; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it (again) on the same ports with the same store; a no-op while it runs. */
  start(): Promise<void>;
  /** SIGTERM, as an operator would (SIGKILL after 5 s). */
  stop(): Promise<void>;
}

export class ClusterNodeProcess implements NatsClusterNode {
  readonly name: string;
  readonly url: string;
  readonly monitorUrl: string;
  #child: ChildHandle | undefined;
  #running = false;

  constructor(
    private readonly binary: string,
    private readonly config: ClusterNodeConfig,
  ) {
    this.name = config.serverName;
    this.url = `nats://127.0.0.1:${config.clientPort}`;
    this.monitorUrl = `http://127.0.0.1:${config.monitorPort}`;
  }

  get running(): boolean {
    return this.#running;
  }

  /** The config file next to the store: a kept store folder keeps the config it ran with. */
  async #writeConfig(): Promise<string> {
    await mkdir(this.config.storeDir, { recursive: true });
    const file = join(this.config.storeDir, 'nats-server.conf');
    await writeFile(file, clusterNodeConfig(this.config));
    return file;
  }

  async start(): Promise<void> {
    if (this.#running) return;
    if (this.#child) {
      await this.#child.restart(); // the exited process's handle starts it again with the same file
    } else {
      const file = await this.#writeConfig();
      const { clientPort, clusterPort } = this.config;
      const { child } = await startServerBinary({
        name: `nats-server ${this.name}`,
        command: this.binary,
        port: clientPort, // fixed: the other nodes' routes already name these ports
        args: () => ['-c', file],
        // "Server is ready" comes before the route listener, which can still fail to bind and end
        // the server; the route line naming our port proves the node is whole, TCP that it accepts.
        ready: () => ({
          line: (line) => line.includes(`Listening for route connections on 127.0.0.1:${clusterPort}`),
          poll: () => tcpReachable('127.0.0.1', clientPort),
        }),
      });
      this.#child = child;
    }
    this.#running = true;
  }

  async kill(): Promise<void> {
    this.#running = false;
    await this.#child?.kill();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#child?.stop();
  }
}
