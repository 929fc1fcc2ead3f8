import { JetStreamApiError } from '@nats-io/jetstream';
import type { KV, Kvm, KvOptions } from '@nats-io/kv';

/** JetStream's "stream name already in use with a different configuration". */
const STREAM_NAME_IN_USE = 10_058;

/**
 * One of the gateway's KV buckets, created when missing. Creating is idempotent: identical
 * settings succeed, and two copies racing both end up with the one the server kept. A bucket made
 * by another copy with other settings (another version, another RATE_LIMIT_WINDOW_MS) is opened
 * and used as it is.
 */
export async function createOrOpenBucket(kvm: Kvm, name: string, options: Partial<KvOptions>): Promise<KV> {
  try {
    return await kvm.create(name, options);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === STREAM_NAME_IN_USE) return kvm.open(name);
    throw error;
  }
}
