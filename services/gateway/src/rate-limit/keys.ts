import { createHash } from 'node:crypto';

/**
 * The KV key of one caller's count in one window of one limit:
 * `<sha-256 of the caller key, 32 hex>.<window ms>.<max>.<window number>`, e.g.
 * `3f1c….60000.1200.29001234`. Only characters a NATS subject takes, and never the caller id or
 * address itself (the bucket is shared state operators can list). The limit is part of the key:
 * copies that run with the same settings share a count, and a copy with other limits (a rollout
 * of new settings) counts apart instead of holding others to its own limit.
 */
export function countKey(callerKey: string, windowMs: number, max: number, window: number): string {
  const hash = createHash('sha256').update(callerKey, 'utf8').digest('hex').slice(0, 32);
  return `${hash}.${windowMs}.${max}.${window}`;
}

/** The fixed window `now` falls in: windows start at multiples of `windowMs`, alike on every copy. */
export const windowOf = (now: number, windowMs: number): number => Math.floor(now / windowMs);
