/**
 * The services of the system, in start order. Each runs `<dir>/src/main.ts` (tests, through tsx) or
 * `<dir>/dist/main.js` (built). Add a service here, before the gateway: the gateway always starts
 * last, once everything it forwards to is listening.
 */
export interface StackService {
  name: string;
  /** Folder of the service, relative to the repository root (or absolute). */
  dir: string;
  /** Node.js options the process runs with (production deployments should use the same). */
  nodeArgs?: readonly string[];
}

/**
 * The gateway's heap: its live data is about 30 MB (modules, schemas, the OpenAPI document), but
 * under load V8 lets the old generation grow far past that before a full collection (peak RSS
 * 150-165 MB over a 40 s run, measured). Capping the old generation at 96 MB (three times the live
 * set) makes it collect sooner: peak RSS about 100 MB at the same throughput and CPU per request.
 * Small semi-spaces keep the young generation from growing to 3 × 16 MB as well.
 */
export const GATEWAY_NODE_ARGS = ['--max-semi-space-size=4', '--max-old-space-size=96'] as const;

export const STACK_SERVICES: readonly StackService[] = [
  { name: 'signature', dir: 'services/signature' },
  { name: 'broadcast', dir: 'services/broadcast' },
  { name: 'workers', dir: 'services/workers' },
  { name: 'group', dir: 'services/group' },
  { name: 'gateway', dir: 'services/gateway', nodeArgs: GATEWAY_NODE_ARGS },
];

export const GATEWAY = 'gateway';

/**
 * A command the stack runs to its end before any service starts: what another system's side does
 * in production. It runs `<dir>/src/<script>.ts` (through tsx) or `<dir>/dist/<script>.js`, with
 * the stack's environment (NATS_URL, then `env`, then `serviceEnv[name]`).
 */
export interface StackSetup {
  name: string;
  /** Folder of the package, relative to the repository root (or absolute). */
  dir: string;
  /** Path under src/ (or dist/), without extension. */
  script: string;
  args?: readonly string[];
}

/**
 * What a stack of the system's services runs first (see StackOptions.setup). DIRECTORY belongs to
 * the directory (another system), so no service creates it; this stands in for the directory's
 * side, as an operator would run it (`im-ensure-streams`), with the stack's JETSTREAM_REPLICAS.
 */
export const STACK_SETUP: readonly StackSetup[] = [
  { name: 'directory', dir: 'libs/events', script: 'bin/ensure-streams', args: ['--stream', 'DIRECTORY'] },
];
