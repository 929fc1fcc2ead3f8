import { isAbsolute } from 'node:path';
import { TestkitError } from './errors.js';

/** Where one node of a loopback cluster listens and keeps its data. */
export interface ClusterNodeConfig {
  serverName: string;
  clusterName: string;
  clientPort: number;
  clusterPort: number;
  /** HTTP monitoring (`/jsz`), how the testkit sees who leads JetStream without a system account. */
  monitorPort: number;
  /** JetStream's store (the server adds `jetstream/` below it). */
  storeDir: string;
  /** The cluster port of every node; the node's own is left out of its routes. */
  clusterPorts: readonly number[];
  /** `sync_interval: always`; only ever true when the server knows the setting (2.10+). */
  syncAlways: boolean;
}

/** Server and cluster names: they land in the config file and in raft peer names, so plain words only. */
const NAME = /^[A-Za-z0-9_-]{1,32}$/;

export function assertNodeName(what: string, name: string): void {
  if (!NAME.test(name)) {
    throw new TestkitError(
      `${what} must be 1 to 32 letters, digits, '-' or '_', got ${JSON.stringify(name)}`,
    );
  }
}

function assertPort(what: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new TestkitError(`${what} must be a TCP port, got ${port}`);
  }
}

/**
 * A path written inside a double-quoted config string. The config lexer knows only a few escapes,
 * so rather than escape we refuse what would need one: a quote, a backslash, a control character.
 */
function quotedPath(path: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (!isAbsolute(path) || /["\\\u0000-\u001f\u007f]/.test(path)) {
    throw new TestkitError(
      `a store folder must be an absolute path without quotes, backslashes or control characters, got ${JSON.stringify(path)}`,
    );
  }
  return `"${path}"`;
}

/**
 * The config file of one node: every setting here is one nats-server 2.9 already understands, so
 * Debian's binary runs the same cluster; `sync_interval` (2.10+) only when asked for and known.
 */
export function clusterNodeConfig(node: ClusterNodeConfig): string {
  assertNodeName('a server name', node.serverName);
  assertNodeName('a cluster name', node.clusterName);
  assertPort('the client port', node.clientPort);
  assertPort('the cluster port', node.clusterPort);
  assertPort('the monitoring port', node.monitorPort);
  for (const port of node.clusterPorts) assertPort('a route port', port);
  const routes = node.clusterPorts
    .filter((port) => port !== node.clusterPort)
    .map((port) => `    "nats-route://127.0.0.1:${port}"`);
  return [
    `# Node ${node.serverName} of the testkit's loopback cluster ${node.clusterName}.`,
    `server_name: "${node.serverName}"`,
    'host: "127.0.0.1"',
    `port: ${node.clientPort}`,
    `http: "127.0.0.1:${node.monitorPort}"`,
    'jetstream {',
    `  store_dir: ${quotedPath(node.storeDir)}`,
    ...(node.syncAlways ? ['  sync_interval: always'] : []),
    '}',
    'cluster {',
    `  name: "${node.clusterName}"`,
    `  listen: "127.0.0.1:${node.clusterPort}"`,
    '  routes: [',
    ...routes,
    '  ]',
    '}',
    '',
  ].join('\n');
}
