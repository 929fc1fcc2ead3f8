import { jetstream, StorageType } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { createOrOpenBucket } from '../kv-bucket.js';

/** The gateway copies' shared request counts, one entry per caller and window (keys.ts). */
export const RATE_LIMIT_BUCKET = 'im_gateway_rate_limits';

export interface BucketOptions {
  /** JETSTREAM_REPLICAS: 3 on a cluster. */
  replicas: number;
  /** The rate-limit window: entries are kept for two of them, then the server drops them. */
  windowMs: number;
  /** Each KV call's timeout: short, a flush that cannot write leaves its counts for the next. */
  timeoutMs: number;
}

/**
 * The counts' bucket, created when missing (as the stream tickets' is: tickets/ticket-store.ts).
 * One value per key (history 1), in memory (a server restart forgets the counts: the limits start
 * over, nothing else is lost), forgotten two windows after its last write: a window's key is
 * written only during that window, so it outlives it, and nothing has to sweep old windows.
 * Reads go to the stream leader: the revision a compare-and-set follows is the latest one.
 */
export async function openBucket(nc: NatsConnection, options: BucketOptions): Promise<KV> {
  const kvm = new Kvm(jetstream(nc, { timeout: options.timeoutMs }));
  return createOrOpenBucket(kvm, RATE_LIMIT_BUCKET, {
    ttl: 2 * options.windowMs,
    history: 1,
    replicas: options.replicas,
    // Counts of the current window are worth no disk write, let alone an fsync each.
    storage: StorageType.Memory,
    allow_direct: false,
    description: 'requests per caller and rate-limit window, shared by the gateway copies (services/gateway)',
  });
}
