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
 * The gateway holds many short-lived objects per request; V8's default young generation (up to
 * 3 × 16 MB) grows to its maximum under load. 4 MB semi-spaces keep its peak RSS about 25 MB lower
 * for a few more (cheap) scavenges; measured with `npm run bench`.
 */
export const GATEWAY_NODE_ARGS = ['--max-semi-space-size=4'] as const;

export const STACK_SERVICES: readonly StackService[] = [
  { name: 'signature', dir: 'services/signature' },
  { name: 'broadcast', dir: 'services/broadcast' },
  { name: 'workers', dir: 'services/workers' },
  { name: 'group', dir: 'services/group' },
  { name: 'gateway', dir: 'services/gateway', nodeArgs: GATEWAY_NODE_ARGS },
];

export const GATEWAY = 'gateway';
