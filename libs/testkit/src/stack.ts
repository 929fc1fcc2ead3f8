import { resolve } from 'node:path';
import { uniqueDbName, withDbName } from './db-name.js';
import { freePort } from './free-port.js';
import { startMongo } from './mongo.js';
import { startNats } from './nats.js';
import { type ChildHandle, startProcess } from './process.js';
import { repoRoot } from './repo-root.js';
import type { RestartEvent } from './restart-event.js';
import { type RestartPolicy, restartPolicy } from './restart-policy.js';
import { runOnce } from './run-once.js';
import {
  GATEWAY,
  STACK_SERVICES,
  STACK_SETUP,
  type StackService,
  type StackSetup,
} from './stack-services.js';
import { runTeardown, type Teardown } from './teardown.js';
import { type MintOptions, mintToken, newAuthSecret, type TokenClaims } from './tokens.js';

export interface StackOptions {
  /** `source` runs src/main.ts through tsx (no build needed); `dist` runs the built dist/main.js. */
  mode?: 'source' | 'dist';
  /** Use these servers instead of starting them (startNats/startMongo otherwise). */
  natsUrl?: string;
  mongoUrl?: string;
  /** Database the services use; default: a unique name, so stacks sharing one server never collide. */
  dbName?: string;
  /** Gateway port; default: a free port. */
  port?: number;
  logLevel?: string;
  /** Environment for every process, then per service name. */
  env?: Record<string, string>;
  serviceEnv?: Record<string, Record<string, string>>;
  /** Default: the registry in stack-services.ts. */
  services?: readonly StackService[];
  /**
   * Commands run to their end before the first service starts. Default: STACK_SETUP (DIRECTORY
   * provisioned, as the directory's side would) whenever any service runs from one of the
   * registry's folders (the system, or part of it); none when every service is the caller's own.
   */
  setup?: readonly StackSetup[];
  readyTimeoutMs?: number;
  onLine?: (service: string, line: string, stream: 'stdout' | 'stderr') => void;
  /** A service died without being asked to (with `restart`, also before each restart). */
  onExit?: (service: string, code: number | null, signal: NodeJS.Signals | null) => void;
  /**
   * Start a service that died on its own again, same command and environment, with backoff
   * (`true`: 0.5 s doubling to 30 s, reset after 60 s up; see restart-policy.ts). Off by
   * default: a test that kills a service expects it to stay dead. A service that fails its first
   * start still makes startStack reject.
   */
  restart?: boolean | Partial<RestartPolicy>;
  /** Each restart scheduled and each restarted service once ready, for the run command to announce. */
  onRestart?: (service: string, event: RestartEvent) => void;
}

export interface Stack {
  gatewayUrl: string;
  natsUrl: string;
  mongoUrl: string;
  processes: Record<string, ChildHandle>;
  /** Each process's Prometheus endpoint, by service name. */
  metricsUrls: Record<string, string>;
  /**
   * A token the gateway accepts (HS256 with the stack's AUTH_JWT_SECRET: a random one per stack
   * unless the caller gave one). Throws when the caller configured other keys instead.
   */
  token(claims: TokenClaims, options?: MintOptions): string;
  /** Stops the services in reverse start order (gateway first), then the servers it started. */
  stop(): Promise<void>;
}

/**
 * Starts NATS and MongoDB (unless given), runs the setup (the directory's stream), then each
 * service as its own process, then the gateway.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const root = repoRoot();
  const teardown: Teardown = [];
  const stop = () => runTeardown(teardown);
  try {
    const natsUrl = options.natsUrl ?? (await started(teardown, startNats())).url;
    const serverUrl = options.mongoUrl ?? (await started(teardown, startMongo())).url;
    // A URL given by the caller keeps its database unless told otherwise; anything else gets a
    // unique one, so stacks sharing a server (MONGO_URL) never see each other's data.
    const mongoUrl =
      options.mongoUrl && !options.dbName
        ? options.mongoUrl
        : withDbName(serverUrl, options.dbName ?? uniqueDbName('stack'));
    const port = options.port ?? (await freePort());
    const processes: Record<string, ChildHandle> = {};

    const services = [...(options.services ?? STACK_SERVICES)];
    const systemDirs = new Set(STACK_SERVICES.map((service) => resolve(root, service.dir)));
    const setup =
      options.setup ??
      (services.some((service) => systemDirs.has(resolve(root, service.dir))) ? STACK_SETUP : []);
    for (const step of setup) {
      const dir = resolve(root, step.dir);
      await runOnce({
        name: step.name,
        command: process.execPath,
        args: [
          ...(options.mode === 'dist'
            ? [resolve(dir, `dist/${step.script}.js`)]
            : ['--conditions=@im/source', '--import', 'tsx', resolve(dir, `src/${step.script}.ts`)]),
          ...(step.args ?? []),
        ],
        cwd: root,
        timeoutMs: options.readyTimeoutMs,
        env: {
          NATS_URL: natsUrl,
          LOG_LEVEL: options.logLevel ?? 'info',
          ...options.env,
          ...options.serviceEnv?.[step.name],
        },
        onLine: options.onLine && ((line, stream) => options.onLine?.(step.name, line, stream)),
      });
    }

    // The gateway forwards to the others: whatever order the list has, it starts last.
    services.sort((a, b) => Number(a.name === GATEWAY) - Number(b.name === GATEWAY));
    const metricsUrls: Record<string, string> = {};
    const auth = gatewayAuth(options);
    const restart = restartPolicy(options.restart);
    for (const service of services) {
      const dir = resolve(root, service.dir);
      // The gateway serves /metrics on its own port; every other process gets a port of its own.
      const metricsPort = service.name === GATEWAY ? port : await freePort();
      metricsUrls[service.name] = `http://127.0.0.1:${metricsPort}/metrics`;
      const entry = [
        ...(service.nodeArgs ?? []),
        ...(options.mode === 'dist'
          ? [resolve(dir, 'dist/main.js')]
          : ['--conditions=@im/source', '--import', 'tsx', resolve(dir, 'src/main.ts')]),
      ];
      const child = await startProcess({
        name: service.name,
        command: process.execPath,
        args: entry,
        cwd: root,
        timeoutMs: options.readyTimeoutMs,
        env: {
          NATS_URL: natsUrl,
          MONGO_URL: mongoUrl,
          LOG_LEVEL: options.logLevel ?? 'info',
          ...(service.name === GATEWAY
            ? { PORT: String(port), HOST: '127.0.0.1', ...auth.env }
            : { METRICS_PORT: String(metricsPort) }),
          ...options.env,
          ...options.serviceEnv?.[service.name],
        },
        onLine: options.onLine && ((line, stream) => options.onLine?.(service.name, line, stream)),
        onExit: options.onExit && ((code, signal) => options.onExit?.(service.name, code, signal)),
        ...(restart ? { restart } : {}),
        onRestart: options.onRestart && ((event) => options.onRestart?.(service.name, event)),
      });
      processes[service.name] = child;
      teardown.push(() => child.stop());
    }
    const token = (claims: TokenClaims, mint?: MintOptions) => {
      if (auth.secret === undefined) {
        throw new Error("stack.token: the gateway has keys of the caller's own; mint tokens with them");
      }
      return mintToken(auth.secret, claims, mint);
    };
    return { gatewayUrl: `http://127.0.0.1:${port}`, natsUrl, mongoUrl, processes, metricsUrls, token, stop };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}

/** The gateway's token-key variables: setting any of them means the keys are the caller's own. */
export const GATEWAY_KEY_VARIABLES: readonly string[] = [
  'AUTH_JWT_SECRET',
  'AUTH_JWT_SECRET_FILE',
  'AUTH_JWT_PUBLIC_KEY_FILE',
  'AUTH_JWKS_FILE',
];

/**
 * The gateway's token keys: the caller's when it set any, else a fresh random secret (every stack
 * its own, so a token minted for one stack is refused by another).
 */
export function gatewayAuth(options: Pick<StackOptions, 'env' | 'serviceEnv'>): {
  env: Record<string, string>;
  secret: string | undefined;
} {
  const given = { ...options.env, ...options.serviceEnv?.[GATEWAY] };
  if (GATEWAY_KEY_VARIABLES.some((name) => given[name])) return { env: {}, secret: given.AUTH_JWT_SECRET };
  const secret = newAuthSecret();
  return { env: { AUTH_JWT_SECRET: secret }, secret };
}

/** Registers a started server's stop() for teardown and hands the server back. */
async function started<T extends { stop(): Promise<void> }>(
  teardown: Teardown,
  server: Promise<T>,
): Promise<T> {
  const handle = await server;
  teardown.push(() => handle.stop());
  return handle;
}
