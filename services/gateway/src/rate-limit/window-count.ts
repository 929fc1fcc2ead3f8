import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';

/** One caller's count in one window of one limit, as this gateway copy knows it. */
export class WindowCount {
  /** The bucket's count when this copy last wrote or read it: every copy's flushed requests. */
  known = 0;
  /** Requests let through here since, not yet written. */
  pending = 0;
  /** Those being written now. */
  sending = 0;
  /** The entry's revision when last seen; 0 when none was: the next write creates it. */
  revision = 0;

  constructor(
    /** Its key in the bucket (keys.ts). */
    readonly key: string,
    readonly windowMs: number,
    readonly window: number,
    /** The count from which it is shared (shareFrom in shared-counts.ts); below, it stays here. */
    readonly shareFrom = 1,
  ) {}

  /** Whether the next flush writes it: new requests, and shared already or big enough to be. */
  get due(): boolean {
    return this.pending > 0 && (this.revision > 0 || this.total >= this.shareFrom);
  }

  /** What a request is judged by: the last known global count and what this copy added since. */
  get total(): number {
    return this.known + this.sending + this.pending;
  }
}

/** Another copy wrote the entry since we saw it (or created it first). */
const isConflict = (error: unknown): boolean =>
  error instanceof JetStreamApiError &&
  (error.code === JetStreamApiCodes.StreamWrongLastSequence ||
    error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);

/** Conflicts in a row before the write is left to the next flush (a contended key, not an outage). */
const MAX_TRIES = 3;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Adds what this copy counted since its last write to the bucket's count, as a compare-and-set
 * on the revision it last saw (a create when it saw none). When another copy wrote in between,
 * its count is read and ours added to that. Afterwards `known` is the global count as of this
 * write. Answers false when the key stayed contended (the requests stay pending for the next
 * flush); rejects on anything else (JetStream unavailable: the caller falls back to local counts).
 */
export async function writeCount(kv: KV, count: WindowCount): Promise<boolean> {
  count.sending = count.pending;
  count.pending = 0;
  try {
    for (let attempt = 1; ; attempt++) {
      const total = count.known + count.sending;
      const value = encoder.encode(String(total));
      try {
        count.revision =
          count.revision === 0
            ? await kv.create(count.key, value)
            : await kv.update(count.key, value, count.revision);
        count.known = total;
        count.sending = 0;
        return true;
      } catch (error) {
        if (!isConflict(error)) throw error;
        if (attempt >= MAX_TRIES) return false;
      }
      await readCount(kv, count);
    }
  } finally {
    count.pending += count.sending;
    count.sending = 0;
  }
}

/** The bucket's count and revision now (none: expired, so 0 and a create next). */
async function readCount(kv: KV, count: WindowCount): Promise<void> {
  const entry = await kv.get(count.key);
  count.revision = entry?.revision ?? 0;
  count.known = entry?.operation === 'PUT' ? parseCount(entry.value) : 0;
}

/** Written by gateways only, but a bucket is shared state: anything not a count counts as 0. */
function parseCount(value: Uint8Array): number {
  const n = Number(decoder.decode(value));
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}
