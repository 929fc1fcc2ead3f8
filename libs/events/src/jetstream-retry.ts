import { JetStreamApiError } from '@nats-io/jetstream';
import { isUnavailable } from './unavailable.js';

/**
 * JetStream's answers while a cluster is still settling, not about the request itself:
 * 10004 incomplete results, 10005 no suitable peers for placement (a peer not yet current),
 * 10008 JetStream system temporarily unavailable (no meta leader), 10009 the cluster cannot
 * handle the request (not the leader, mid election), 10040 peer not a member (yet).
 */
const SETTLING = new Set([10_004, 10_005, 10_008, 10_009, 10_040]);

/** Errors worth asking again a moment later: no answer, no responders, a 503, a cluster settling. */
export function isTransientApiError(error: unknown): boolean {
  if (isUnavailable(error)) return true;
  return error instanceof JetStreamApiError && SETTLING.has(error.code);
}

export interface ApiRetrySettings {
  /** How long to keep asking, from the first attempt; then the last error is thrown. Default 30 s. */
  timeoutMs?: number;
  /** First pause, doubled after each attempt up to `maxDelayMs`. Defaults 100 ms and 2 s. */
  firstDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Runs a JetStream API step (creating a stream or a consumer) until it succeeds, retrying only
 * transient failures, for at most `timeoutMs`. Thirty seconds covers a leader election (up to
 * about ten seconds on nats-server) and the meta layer settling after a node restart; anything
 * that lasts longer is an outage and the caller hears of it.
 */
export async function retryJetStreamApi<T>(
  step: () => Promise<T>,
  settings: ApiRetrySettings = {},
): Promise<T> {
  const { timeoutMs = 30_000, firstDelayMs = 100, maxDelayMs = 2_000 } = settings;
  const deadline = Date.now() + timeoutMs;
  let delay = firstDelayMs;
  for (;;) {
    try {
      return await step();
    } catch (error) {
      if (!isTransientApiError(error) || Date.now() + delay > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, maxDelayMs);
  }
}
