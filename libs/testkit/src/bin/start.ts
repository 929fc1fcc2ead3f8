/**
 * `npm start`: the whole system on this machine. NATS and a MongoDB-wire server (from NATS_URL /
 * MONGO_URL, else local ones with data under .data/), every service, then the gateway, all built
 * (dist). Ctrl-C stops them in reverse order, gateway first, so no request is cut mid-way.
 * A service that dies is started again with backoff, announced loudly; only a service that
 * cannot start at all (its first start fails: bad configuration, say) stops everything.
 */
import { join } from 'node:path';
import { ensureDevAppKeys } from '../dev-app-keys.js';
import { DEV_AUTH_SECRET_FILE, DEV_CALLERS, ensureDevAuthSecret, mintingSecret } from '../dev-auth.js';
import { isPortFree } from '../free-port.js';
import { type LocalServers, startLocalServers } from '../local-servers.js';
import { repoRoot } from '../repo-root.js';
import { describeRestart } from '../restart-event.js';
import { type Stack, startStack } from '../stack.js';
import { mintToken } from '../tokens.js';

const root = repoRoot();
const dataDir = join(root, '.data');
const port = Number(process.env.PORT ?? 3000);

const AUTH_VARIABLES = [
  'AUTH_JWT_SECRET',
  'AUTH_JWT_SECRET_FILE',
  'AUTH_JWT_PUBLIC_KEY_FILE',
  'AUTH_JWKS_FILE',
];
const DEV_TOKEN_TTL_S = 24 * 3_600;

let servers: LocalServers | undefined;
let stack: Stack | undefined;
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
  if (!(await isPortFree(port))) {
    throw new Error(`port ${port} is in use: stop what holds it or run with PORT=<another port>`);
  }

  servers = await startLocalServers(dataDir);
  say(`start: NATS: ${servers.natsServer}`);
  say(`start: Node.js ${process.version} (${process.execPath}) runs every service`);
  const keysFile =
    process.env.SIGNATURE_APP_KEYS || process.env.SIGNATURE_APP_KEYS_FILE
      ? undefined
      : await ensureDevAppKeys(join(dataDir, 'dev-app-keys.json'));
  // Token keys: the operator's when set, else a secret kept in .data/ (tokens survive restarts).
  const ownAuth = Object.fromEntries(
    AUTH_VARIABLES.filter((name) => process.env[name]).map((name) => [name, process.env[name] as string]),
  );
  const devSecretFile = join(dataDir, DEV_AUTH_SECRET_FILE);
  const authEnv =
    Object.keys(ownAuth).length > 0
      ? ownAuth
      : { AUTH_JWT_SECRET_FILE: await ensureDevAuthSecret(devSecretFile) };

  stack = await startStack({
    mode: 'dist',
    natsUrl: servers.natsUrl,
    mongoUrl: servers.mongoUrl,
    port,
    logLevel: process.env.LOG_LEVEL ?? 'info',
    env: { ...(keysFile ? { SIGNATURE_APP_KEYS_FILE: keysFile } : {}), ...authEnv },
    onLine: (service, line) => say(`${service.padEnd(10)}| ${line}`),
    restart: true,
    onRestart: (service, event) => {
      if (!stopping) shout(`start: ${describeRestart(event, service)}`);
    },
  });

  say('');
  say(`  gateway   ${stack.gatewayUrl}`);
  say(`  NATS      ${stack.natsUrl}`);
  say(`  MongoDB   ${stack.mongoUrl}`);
  if (keysFile) say(`  app keys  ${keysFile} (dev keys, created once)`);
  const tokens = devTokens(authEnv);
  if (tokens.length > 0) {
    say(`  tokens    for "Authorization: Bearer <token>", valid 24 h (more: npm run token -- --help)`);
    for (const { label, token } of tokens) say(`    ${label.padEnd(22)}${token}`);
    say(
      `  try       curl -H 'Authorization: Bearer ${tokens[0]!.token}' ${stack.gatewayUrl}/signature/login/1/c565`,
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
