import { createHash, randomBytes } from 'node:crypto';
import { AppError, ErrorCode, type StreamTicketReply, unauthenticated } from '@im/contracts';
import { JetStreamApiCodes, JetStreamApiError, jetstream } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { createOrOpenBucket } from '../kv-bucket.js';

/**
 * Stream tickets (docs/live.md): a browser's EventSource cannot send `Authorization`, so it takes
 * a short-lived, single-use ticket with its token and puts that in the stream URL instead. They
 * live in a JetStream KV bucket, not in memory, because the copy that redeems a ticket is rarely
 * the one that issued it behind a load balancer.
 */
export const TICKET_BUCKET = 'im_gateway_stream_tickets';

/**
 * The bucket forgets every entry after this, redeemed or not: nothing has to sweep it. Longer
 * than any ticket lives, so an entry is never gone before its own `expires_at` says it is.
 */
const BUCKET_MAX_AGE_MS = 5 * 60_000;

/** What a ticket stands for: the stream it opens and who asked for it. */
interface StoredTicket {
  client_id: string;
  /** The issuing caller's `Im-Caller` value: the stream runs as that caller. */
  caller: string;
  /** When the issuer's own token expires (epoch ms): the stream ends then, as its own would. */
  caller_expires_at: number;
  /** When the ticket expires (epoch ms). */
  expires_at: number;
}

export interface RedeemedTicket {
  clientId: string;
  callerHeader: string;
  callerExpiresAt: number;
}

export interface TicketStoreOptions {
  ttlS: number;
  replicas: number;
  /** Each KV call's timeout: the gateway's request timeout. */
  timeoutMs: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The key of a ticket: its sha256, so the secret itself is never a subject or a stored value. */
const keyOf = (ticket: string) => createHash('sha256').update(ticket, 'utf8').digest('hex');

const unusable = () => unauthenticated('ticket', 'unknown, already used or expired; take a new one');

function bucketUnavailable(error: unknown): AppError {
  const why = error instanceof Error ? error.message : String(error);
  return new AppError(
    ErrorCode.ServiceUnavailable,
    `stream tickets (KV bucket ${TICKET_BUCKET}) are unavailable: ${why}`,
  );
}

export class TicketStore {
  readonly #kvm: Kvm;
  readonly #options: TicketStoreOptions;
  #bucket: Promise<KV> | undefined;

  constructor(nc: NatsConnection, options: TicketStoreOptions) {
    this.#kvm = new Kvm(jetstream(nc, { timeout: options.timeoutMs }));
    this.#options = options;
  }

  /**
   * The bucket, created when missing. Creating is idempotent (an existing bucket is opened as it
   * is); two copies racing to create it both end up with the one the server kept. A failed
   * attempt is forgotten, so the next call tries again (JetStream may come later than we do).
   */
  open(): Promise<KV> {
    this.#bucket ??= this.#create().catch((error: unknown) => {
      this.#bucket = undefined;
      throw bucketUnavailable(error);
    });
    return this.#bucket;
  }

  async #create(): Promise<KV> {
    const options = {
      ttl: BUCKET_MAX_AGE_MS,
      history: 1,
      replicas: this.#options.replicas,
      // Reads go to the stream leader: a ticket issued a moment ago on another copy is found, and
      // the revision read is the one the conditional delete compares against.
      allow_direct: false,
      description: 'single-use tickets for the live notification stream (services/gateway)',
    };
    return createOrOpenBucket(this.#kvm, TICKET_BUCKET, options);
  }

  async issue(clientId: string, callerHeader: string, callerExpiresAt: number): Promise<StreamTicketReply> {
    const bucket = await this.open();
    const ticket = randomBytes(32).toString('base64url');
    const { ttlS } = this.#options;
    const stored: StoredTicket = {
      client_id: clientId,
      caller: callerHeader,
      caller_expires_at: callerExpiresAt,
      expires_at: Date.now() + ttlS * 1000,
    };
    try {
      await bucket.create(keyOf(ticket), encoder.encode(JSON.stringify(stored)));
    } catch (error) {
      throw bucketUnavailable(error);
    }
    return { ticket, expires_in: ttlS };
  }

  /**
   * Exactly one redemption of a ticket wins: the entry is deleted on the condition that it is
   * still the revision just read, and a second redeemer (on any copy) fails that condition.
   * A ticket is used up whatever comes next, also when it turns out to be for another stream.
   */
  async redeem(ticket: string): Promise<RedeemedTicket> {
    const bucket = await this.open();
    const key = keyOf(ticket);
    let stored: StoredTicket | undefined;
    try {
      const entry = await bucket.get(key);
      if (entry?.operation !== 'PUT') throw unusable();
      stored = parseStored(entry.value);
      await bucket.delete(key, { previousSeq: entry.revision });
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamWrongLastSequence) {
        throw unusable();
      }
      throw bucketUnavailable(error);
    }
    if (!stored || stored.expires_at <= Date.now()) throw unusable();
    return {
      clientId: stored.client_id,
      callerHeader: stored.caller,
      callerExpiresAt: stored.caller_expires_at,
    };
  }
}

/** The gateway wrote it, but a bucket is shared state: anything that is not a ticket counts as none. */
function parseStored(value: Uint8Array): StoredTicket | undefined {
  try {
    const parsed = JSON.parse(decoder.decode(value)) as Partial<StoredTicket> | null;
    if (
      typeof parsed?.client_id === 'string' &&
      typeof parsed.caller === 'string' &&
      typeof parsed.caller_expires_at === 'number' &&
      typeof parsed.expires_at === 'number'
    ) {
      const { client_id, caller, caller_expires_at, expires_at } = parsed;
      return { client_id, caller, caller_expires_at, expires_at };
    }
  } catch {
    // not JSON: no ticket
  }
  return undefined;
}
