import type { Logger } from '@im/log';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { openBucket } from './bucket.js';
import { countKey, windowOf } from './keys.js';
import { WindowCount, writeCount } from './window-count.js';

export interface SharedCountsOptions {
  log: Pick<Logger, 'warn' | 'info'>;
  /** How often this copy writes what it counted and learns the others' counts. */
  flushMs: number;
  /** JETSTREAM_REPLICAS, for the bucket. */
  replicas: number;
  /** The longest window counted, for the bucket's max age. */
  windowMs: number;
}

/** Windows tracked at once (callers × limits): past it the oldest is forgotten (about 200 bytes each). */
const MAX_TRACKED = 20_000;
/** KV writes of one flush in flight at once. */
const CONCURRENT_WRITES = 64;
/** Each KV call's timeout. */
const KV_TIMEOUT_MS = 2_000;
/** How soon opening the bucket is tried again after it failed. */
const REOPEN_MS = 5_000;
/** The part of a limit a caller's count reaches in one copy before that copy shares it. */
export const SHARE_FROM_FRACTION = 0.01;

/**
 * A count is shared once it reaches 1% of its limit in this copy (12 of the default 1,200 a
 * minute; 1 for limits under 100). Most callers make a few requests a window: sharing each of
 * them cost one KV write per caller per flush, about one per request when callers are many (a
 * school's students each opening their inbox), for counts nowhere near a limit. Below the
 * threshold a copy judges by its own count, so copies overshoot by at most copies × 1% of the
 * limit more than before (README, "Abuse").
 */
export const shareFrom = (max: number): number => Math.max(1, Math.ceil(max * SHARE_FROM_FRACTION));

/**
 * Fixed-window request counts shared by the gateway copies through a JetStream KV bucket. A
 * request is judged here, synchronously: let through when the last known global count plus what
 * this copy let through since is under the limit. Every `flushMs` this copy adds its new requests
 * to each active caller's entry (one compare-and-set per caller, not per request) and so learns
 * the global count (window-count.ts), for callers whose count reached `shareFrom` (1% of the
 * limit). Copies therefore overshoot a limit by at most what they let through between two flushes
 * and what each let through before sharing: copies × (rate × flushMs + 1% of the limit) (README,
 * "Running at scale").
 *
 * Without JetStream (NATS down, no bucket, writes failing) each copy goes on with its own counts:
 * at most the limit per copy, one warning line when that starts, one info line when it ends,
 * never an error to a request.
 */
export class SharedCounts {
  readonly #options: SharedCountsOptions;
  readonly #counts = new Map<string, WindowCount>();
  #nc: NatsConnection | undefined;
  #bucket: KV | undefined;
  #nextOpen = 0;
  #shared = true;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: SharedCountsOptions) {
    this.#options = options;
  }

  /**
   * Counts one request of `callerKey` against a limit, unless it is over: answers the count it
   * makes (over `max`: refused) and the milliseconds left of its window.
   */
  hit(callerKey: string, windowMs: number, max: number, now = Date.now()): { current: number; ttl: number } {
    const window = windowOf(now, windowMs);
    const ttl = (window + 1) * windowMs - now;
    const id = `${windowMs}|${max}|${window}|${callerKey}`;
    let count = this.#counts.get(id);
    if (!count)
      count = this.#track(
        id,
        new WindowCount(countKey(callerKey, windowMs, max, window), windowMs, window, shareFrom(max)),
      );
    const total = count.total;
    if (total < max) count.pending++;
    return { current: total + 1, ttl };
  }

  /** Starts sharing over `nc`: the bucket is opened now, counts are written every flushMs. */
  start(nc: NatsConnection): void {
    this.#nc = nc;
    const loop = async () => {
      await this.flush().catch((error: unknown) => this.#fallBack(error));
      if (!this.#stopped) this.#timer = setTimeout(loop, this.#options.flushMs).unref();
    };
    void loop();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** Writes every count with new requests (ended windows are dropped: nobody is judged by them). */
  async flush(now = Date.now()): Promise<void> {
    for (const [id, count] of this.#counts) {
      if (count.window < windowOf(now, count.windowMs)) this.#counts.delete(id);
    }
    const kv = await this.#open(now);
    if (!kv) return;
    const due = [...this.#counts.values()].filter((count) => count.due);
    // While it is failing, one write finds out whether JetStream is back.
    const writes = this.#shared ? due : due.slice(0, 1);
    let failure: unknown;
    for (let next = 0; next < writes.length && failure === undefined; next += CONCURRENT_WRITES) {
      await Promise.all(
        writes.slice(next, next + CONCURRENT_WRITES).map((count) =>
          writeCount(kv, count).catch((error: unknown) => {
            failure ??= error;
          }),
        ),
      );
    }
    if (failure !== undefined) {
      this.#fallBack(failure);
      this.#bucket = undefined; // opened again (created, if an operator removed it) in a while
    } else if (writes.length > 0) {
      this.#backToShared();
    }
  }

  async #open(now: number): Promise<KV | undefined> {
    if (this.#bucket) return this.#bucket;
    const nc = this.#nc;
    if (!nc || nc.isClosed() || now < this.#nextOpen) return undefined;
    this.#nextOpen = now + REOPEN_MS;
    const { replicas, windowMs } = this.#options;
    try {
      this.#bucket = await openBucket(nc, { replicas, windowMs, timeoutMs: KV_TIMEOUT_MS });
      return this.#bucket;
    } catch (error) {
      this.#fallBack(error);
      return undefined;
    }
  }

  #track(id: string, count: WindowCount): WindowCount {
    if (this.#counts.size >= MAX_TRACKED) {
      const oldest = this.#counts.keys().next().value;
      if (oldest !== undefined) this.#counts.delete(oldest);
    }
    this.#counts.set(id, count);
    return count;
  }

  #fallBack(error: unknown): void {
    if (!this.#shared || this.#stopped) return; // a write cut short by the close says nothing
    this.#shared = false;
    this.#options.log.warn(
      { err: error instanceof Error ? error.message : String(error) },
      'rate limits: the shared counts (JetStream KV) are unavailable; each gateway copy counts alone until they are back',
    );
  }

  #backToShared(): void {
    if (this.#shared) return;
    this.#shared = true;
    this.#options.log.info('rate limits: counted across the gateway copies again');
  }
}
