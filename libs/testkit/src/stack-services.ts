/**
 * The services of the system, in start order. Each runs `<dir>/src/main.ts` (tests, through tsx) or
 * `<dir>/dist/main.js` (built). Add a service here, before the gateway: the gateway always starts
 * last, once everything it forwards to is listening.
 */
export interface StackService {
  name: string;
  /** Folder of the service, relative to the repository root (or absolute). */
  dir: string;
}

export const STACK_SERVICES: readonly StackService[] = [
  { name: 'signature', dir: 'services/signature' },
  { name: 'broadcast', dir: 'services/broadcast' },
  { name: 'workers', dir: 'services/workers' },
  { name: 'group', dir: 'services/group' },
  { name: 'gateway', dir: 'services/gateway' },
];

export const GATEWAY = 'gateway';
