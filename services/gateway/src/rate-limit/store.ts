import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { SharedCounts } from './shared-counts.js';

/**
 * @fastify/rate-limit's store, over the shared counts: the plugin keeps its hooks, headers and
 * 429, the counting is ours. One store serves every limiter (the global one and the signatures'):
 * their keys differ (a prefix), and each call brings its own window and limit. Answers at once:
 * nothing waits for NATS on a request.
 */
export function sharedStore(counts: SharedCounts): FastifyRateLimitStoreCtor {
  return class SharedStore implements FastifyRateLimitStore {
    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
      max: number,
    ): void {
      callback(null, counts.hit(key, timeWindow, max));
    }

    child(): FastifyRateLimitStore {
      return this;
    }
  };
}
