/**
 * `npm start`: the whole system on this machine. `npm run start:cluster` (`--cluster`): the same
 * on a three-node NATS cluster with JetStream replicas 3 and two copies of every service and of
 * the gateway (ports PORT and PORT+1), each copy on its own seed node; data under .data/cluster/.
 *
 * `npm start`: NATS and a MongoDB-wire server (from NATS_URL /
 * MONGO_URL, else local ones with data under .data/), every service, then the gateway, all built
 * (dist). Ctrl-C stops them in reverse order, gateway first, so no request is cut mid-way.
 * A service that dies is started again with backoff, announced loudly; only a service that
 * cannot start at all (its first start fails: bad configuration, say) stops everything.
 */
import { join } from 'node:path';
import { ensureDevAppKeys } from '../dev-app-keys.js';
import { DEV_AUTH_SECRET_FILE, DEV_CALLERS, ensureDevAuthSecret, mintingSecret } from '../dev-auth.js';
import { isPortFree } from '../free-port.js';
import { type LocalServers, startLocalCluster, startLocalServers } from '../local-servers.js';
import { repoRoot } from '../repo-root.js';
import { describeRestart, type RestartEvent } from '../restart-event.js';
import { GATEWAY_KEY_VARIABLES, startStack } from '../stack.js';
import { startStackCopies } from '../stack-copies.js';
import { mintToken } from '../tokens.js';

const root = repoRoot();
const dataDir = join(root, '.data');
const port = Number(process.env.PORT ?? 3000);
const cluster = process.argv.includes('--cluster');
/** Copies of every service in the cluster run: two, the least that shows they cooperate. */
const CLUSTER_COPIES = 2;
const CLUSTER_NODES = 3;

const DEV_TOKEN_TTL_S = 24 * 3_600;

let servers: LocalServers | undefined;
/** What runs: one stack, or the cluster run's copies of it. */
interface Running {
  gatewayUrls: string[];
  natsUrl: string;
  mongoUrl: string;
  stop(): Promise<void>;
}
let stack: Running | undefined;
let stopping = false;

const say = (line: string) => process.stdout.write(`${line}\n`);
/** Bold red on a terminal: a restart must not scroll by unseen among the services' lines. */
const shout = (line: string) => say(process.stdout.isTTY ? `\u001b[1;31m${line}\u001b[0m` : line);

async function shutdown(code: number): Promise<never> {
  if (stopping) process.exit(1); // a second Ctrl-C: the exit hook kills whatever is left
  stopping = true;
  if (stack) say('start: stopping (gateway first)...');
  try {
    await stack?.stop();
    await servers?.stop();
  } catch (error) {
    say(`start: stopping failed: ${(error as Error).message}`);
    process.exit(1);
  }
  process.exit(code);
}

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void shutdown(0));
  const ports = cluster ? Array.from({ length: CLUSTER_COPIES }, (_, i) => port + i) : [port];
  for (const wanted of ports) {
    if (!(await isPortFree(wanted))) {
      throw new Error(`port ${wanted} is in use: stop what holds it or run with PORT=<another port>`);
    }
  }

  servers = cluster
    ? await startLocalCluster(join(dataDir, 'cluster'), CLUSTER_NODES)
    : await startLocalServers(dataDir);
  say(`start: NATS: ${servers.natsServer}`);
  say(`start: Node.js ${process.version} (${process.execPath}) runs every service`);
  const keysFile =
    process.env.SIGNATURE_APP_KEYS || process.env.SIGNATURE_APP_KEYS_FILE
      ? undefined
      : await ensureDevAppKeys(join(dataDir, 'dev-app-keys.json'));
  // Token keys: the operator's when set, else a secret kept in .data/ (tokens survive restarts).
  const ownAuth = Object.fromEntries(
    GATEWAY_KEY_VARIABLES.filter((name) => process.env[name]).map((name) => [
      name,
      process.env[name] as string,
    ]),
  );
  const devSecretFile = join(dataDir, DEV_AUTH_SECRET_FILE);
  const authEnv =
    Object.keys(ownAuth).length > 0
      ? ownAuth
      : { AUTH_JWT_SECRET_FILE: await ensureDevAuthSecret(devSecretFile) };

  const common = {
    mode: 'dist' as const,
    mongoUrl: servers.mongoUrl,
    logLevel: process.env.LOG_LEVEL ?? 'info',
    env: {
      ...(keysFile ? { SIGNATURE_APP_KEYS_FILE: keysFile } : {}),
      ...authEnv,
      // Every stream and bucket a process creates gets a replica on each node.
      ...(cluster ? { JETSTREAM_REPLICAS: String(CLUSTER_NODES) } : {}),
    },
    restart: true,
    onRestart: (service: string, event: RestartEvent) => {
      if (!stopping) shout(`start: ${describeRestart(event, service)}`);
    },
  };
  if (cluster) {
    const copies = await startStackCopies({
      ...common,
      natsUrls: servers.natsUrls,
      copies: CLUSTER_COPIES,
      ports,
      onLine: (service, copy, line) => say(`${`${service}.${copy}`.padEnd(12)}| ${line}`),
    });
    stack = copies;
  } else {
    const single = await startStack({
      ...common,
      natsUrl: servers.natsUrl,
      port,
      onLine: (service, line) => say(`${service.padEnd(10)}| ${line}`),
    });
    stack = { ...single, gatewayUrls: [single.gatewayUrl] };
  }

  say('');
  for (const url of stack.gatewayUrls) say(`  gateway   ${url}`);
  for (const url of servers.natsUrls) say(`  NATS      ${url}`);
  if (cluster)
    say(`  cluster   JetStream replicas ${CLUSTER_NODES}, ${CLUSTER_COPIES} copies of every service`);
  say(`  MongoDB   ${stack.mongoUrl}`);
  if (keysFile) say(`  app keys  ${keysFile} (dev keys, created once)`);
  const tokens = devTokens(authEnv);
  if (tokens.length > 0) {
    say(`  tokens    for "Authorization: Bearer <token>", valid 24 h (more: npm run token -- --help)`);
    for (const { label, token } of tokens) say(`    ${label.padEnd(22)}${token}`);
    say(
      `  try       curl -H 'Authorization: Bearer ${tokens[0]!.token}' ${stack.gatewayUrls[0]}/signature/login/1/c565`,
    );
  } else {
    say('  tokens    signed by your own issuer (AUTH_JWT_PUBLIC_KEY_FILE / AUTH_JWKS_FILE)');
  }
  say('  a service that dies is restarted (0.5 s, doubling to 30 s); Ctrl-C stops everything.');
  say('');
}

/** One token per role, when the gateway's keys include a secret this process can read. */
function devTokens(authEnv: Record<string, string>): { label: string; token: string }[] {
  let secret: string;
  try {
    secret = mintingSecret(authEnv);
  } catch {
    return [];
  }
  return DEV_CALLERS.map(({ label, claims }) => ({
    label,
    token: mintToken(secret, claims, { expiresInS: DEV_TOKEN_TTL_S }),
  }));
}

main().catch(async (error: unknown) => {
  say(`start: ${(error as Error).message}`);
  await shutdown(1);
});
