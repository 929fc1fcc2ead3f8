import { STACK_SERVICES, type Stack, startStack } from '@im/testkit';
import type { WatchedProcess } from '../measure.js';
import type { VolumeServers } from './servers.js';

/**
 * The services on the volume bench's servers, built (dist), warnings only. `full` is every
 * service, as `npm start` runs them: what is measured. `seeding` leaves out the broadcast
 * service, whose place the seeding's own copy takes (it records pushes by a clock that steps
 * through the school year), and the signature service, which seeding does not need.
 */
export interface VolumeStack {
  stack: Stack;
  /** The stack's processes and the servers', for CPU figures. */
  processes: WatchedProcess[];
  /** Services that exited on their own so far, as sentences: any at all voids the figures. */
  crashes: string[];
  stop(): Promise<void>;
}

const SEEDING_LEFT_OUT = new Set(['broadcast', 'signature']);

/** Callers make many requests a second from one token: far over the default limits. */
const UNLIMITED = { RATE_LIMIT_MAX: '1000000000', SIGNATURE_RATE_LIMIT_MAX: '1000000000' };

/**
 * The seeding stack waits longer for the database than the default 5 s (and the gateway for the
 * services): a store being filled as fast as it takes is slow to answer, and a fan-out given up
 * on would end as a dead letter, a seeding that did not go through. The measured stack keeps
 * every default.
 */
export const SEEDING_PATIENCE = { MONGO_TIMEOUT_MS: '60000', REQUEST_TIMEOUT_MS: '120000' };

export async function startVolumeStack(
  servers: VolumeServers,
  authSecret: string,
  kind: 'full' | 'seeding',
): Promise<VolumeStack> {
  const crashes: string[] = [];
  const stack = await startStack({
    mode: 'dist',
    natsUrl: servers.natsUrl,
    mongoUrl: servers.mongoUrl,
    services: kind === 'full' ? STACK_SERVICES : STACK_SERVICES.filter((s) => !SEEDING_LEFT_OUT.has(s.name)),
    logLevel: 'warn',
    env: {
      AUTH_JWT_SECRET: authSecret,
      SIGNATURE_APP_KEYS: JSON.stringify({ '1': 'bench-key' }),
      ...UNLIMITED,
      ...(kind === 'seeding' ? SEEDING_PATIENCE : {}),
    },
    // Warnings and errors only (LOG_LEVEL=warn): what a 5xx or a slow phase has to say for itself.
    onLine: (service, line) => process.stderr.write(`[${kind} ${service}] ${line}\n`),
    onExit: (service, code, signal) => crashes.push(`${service} exited (${signal ?? `code ${code}`})`),
  });
  const processes = [
    ...Object.values(stack.processes).map(({ name, pid }) => ({ name, pid })),
    ...servers.processes,
  ];
  return { stack, processes, crashes, stop: () => stack.stop() };
}
