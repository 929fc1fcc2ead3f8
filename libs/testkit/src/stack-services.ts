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
