/**
 * `npm start`: the whole system on this machine. NATS and a MongoDB-wire server (from NATS_URL /
 * MONGO_URL, else local ones with data under .data/), every service, then the gateway, all built
 * (dist). Ctrl-C stops them in reverse order, gateway first, so no request is cut mid-way.
 */
import { join } from 'node:path';
import { ensureDevAppKeys } from '../dev-app-keys.js';
import { isPortFree } from '../free-port.js';
import { type LocalServers, startLocalServers } from '../local-servers.js';
import { repoRoot } from '../repo-root.js';
import { type Stack, startStack } from '../stack.js';

const root = repoRoot();
const dataDir = join(root, '.data');
const port = Number(process.env.PORT ?? 3000);

let servers: LocalServers | undefined;
let stack: Stack | undefined;
let stopping = false;

const say = (line: string) => process.stdout.write(`${line}\n`);

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
  const keysFile =
    process.env.SIGNATURE_APP_KEYS || process.env.SIGNATURE_APP_KEYS_FILE
      ? undefined
      : await ensureDevAppKeys(join(dataDir, 'dev-app-keys.json'));

  stack = await startStack({
    mode: 'dist',
    natsUrl: servers.natsUrl,
    mongoUrl: servers.mongoUrl,
    port,
    logLevel: process.env.LOG_LEVEL ?? 'info',
    env: keysFile ? { SIGNATURE_APP_KEYS_FILE: keysFile } : {},
    onLine: (service, line) => say(`${service.padEnd(10)}| ${line}`),
    onExit: (service, code, signal) => {
      if (stopping) return;
      say(`start: ${service} died unexpectedly (${signal ?? `exit code ${code}`}); stopping everything`);
      void shutdown(1);
    },
  });

  say('');
  say(`  gateway   ${stack.gatewayUrl}`);
  say(`  NATS      ${stack.natsUrl}`);
  say(`  MongoDB   ${stack.mongoUrl}`);
  if (keysFile) say(`  app keys  ${keysFile} (dev keys, created once)`);
  say(`  try       curl ${stack.gatewayUrl}/signature/login/1/u1`);
  say('  Ctrl-C stops everything.');
  say('');
}

main().catch(async (error: unknown) => {
  say(`start: ${(error as Error).message}`);
  await shutdown(1);
});
