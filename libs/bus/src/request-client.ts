import { type AppError, CALLER_HEADER, DEFAULT_MAX_PAYLOAD, REQUEST_ID_HEADER } from '@im/contracts';
import {
  createInbox,
  headers,
  type Msg,
  type NatsConnection,
  type Status,
  type Subscription,
} from '@nats-io/transport-node';
import { ReconnectHold } from './reconnect-hold.js';
import {
  busUnavailable,
  decodeServiceError,
  headerBytes,
  timedOut,
  tooLargeForBus,
  unavailable,
} from './request-errors.js';
import { SERVICE_ERROR_CODE_HEADER, SERVICE_ERROR_HEADER } from './service-error-headers.js';

export interface RequestClientOptions {
  /** How long a request may wait for its reply before it fails as an upstream timeout. */
  timeoutMs: number;
  /**
   * The `Im-Caller` header (see `encodeCaller`) of requests that name none: an internal client
   * sets its own service identity here; the gateway passes each HTTP caller per request instead.
   */
  caller?: string;
  /** Who is not connected, in the 503 a request gets while NATS is away; default `the gateway`. */
  client?: string;
  /**
   * How long a request made while NATS is away is held for the connection to come back before it
   * is refused with a 503 (reconnect-hold.ts); default 1,500 ms (at most half the timeout), 0 to
   * refuse at once.
   */
  reconnectGraceMs?: number;
}

/** A node's loss costs a reconnect of about 500 ms (connect.ts); 1.5 s rides out a slow one. */
const DEFAULT_RECONNECT_GRACE_MS = 1_500;
/** Requests held at once while NATS is away; more are refused at once (memory stays bounded). */
const MAX_HELD = 4_096;

/**
 * A payload this close to `max_payload` has its header bytes counted exactly; below it the check
 * costs one comparison (headers are far smaller: the caller header is at most ~17 KB).
 */
const HEADER_ALLOWANCE = 32_768;

/** The raw reply: JSON bytes the caller may forward without parsing. */
export type ReplyBytes = Uint8Array;

interface Outgoing {
  subject: string;
  payload: Uint8Array;
  token: string;
  requestId: string | undefined;
  caller: string | undefined;
}

/** Called once per request: with the error, or with null and the reply's bytes. */
export type ReplyCallback = (error: AppError | null, data?: ReplyBytes) => void;

interface Pending {
  done: ReplyCallback;
  deadline: number;
  subject: string;
}

/**
 * Request/reply over one shared inbox subscription, built for the gateway's hot path.
 *
 * nats.js's `request()` arms a timer and builds closures per call; here every request shares one
 * subscription and one sweeper. Because all requests share one timeout, the pending map (kept in
 * insertion order) is also in deadline order, so a sweep stops at the first live entry.
 * Replies are returned as bytes: the gateway forwards them untouched.
 */
export class RequestClient {
  readonly #nc: NatsConnection;
  readonly #timeoutMs: number;
  readonly #prefix: string;
  readonly #caller: string | undefined;
  readonly #pending = new Map<string, Pending>();
  readonly #sub: Subscription;
  /** Runs only while something waits (a request, a held one): an idle client wakes nothing. */
  #sweeper: NodeJS.Timeout | undefined;
  readonly #tick: number;
  readonly #client: string;
  readonly #status: AsyncIterable<Status>;
  #connected = true;
  #maxPayload: number;
  #next = 0;
  #outgoing: Outgoing[] = [];
  #flushScheduled = false;
  readonly #hold: ReconnectHold;

  constructor(
    nc: NatsConnection,
    { timeoutMs, caller, client = 'the gateway', reconnectGraceMs }: RequestClientOptions,
  ) {
    this.#nc = nc;
    const grace = reconnectGraceMs ?? Math.min(DEFAULT_RECONNECT_GRACE_MS, Math.floor(timeoutMs / 2));
    this.#hold = new ReconnectHold(grace, MAX_HELD);
    this.#timeoutMs = timeoutMs;
    this.#caller = caller;
    this.#client = client;
    this.#maxPayload = nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
    this.#status = nc.status();
    void this.#watch();
    this.#prefix = `${createInbox()}.`;
    this.#sub = nc.subscribe(`${this.#prefix}*`, { callback: (_err, msg) => this.#onReply(msg) });
    this.#tick = Math.max(10, Math.min(250, Math.floor(timeoutMs / 10)));
  }

  /**
   * Sends `payload` (JSON bytes) and resolves with the reply's bytes, or rejects with an AppError.
   * `caller` is the `Im-Caller` header value, already encoded: the gateway encodes each verified
   * token once, not once per request.
   */
  request(subject: string, payload: Uint8Array, requestId?: string, caller?: string): Promise<ReplyBytes> {
    return new Promise((resolve, reject) => {
      this.send(subject, payload, requestId, caller, (error, data) =>
        error ? reject(error) : resolve(data!),
      );
    });
  }

  /**
   * The same with a callback: the gateway's hot path answers from it directly, with no promise
   * and no async function per request.
   */
  send(
    subject: string,
    payload: Uint8Array,
    requestId: string | undefined,
    caller: string | undefined,
    done: ReplyCallback,
  ): void {
    if (this.#nc.isClosed() || this.#nc.isDraining()) {
      done(unavailable(subject, 'the message bus connection is closed'));
      return;
    }
    // nats.js would buffer the request until it reconnects, and the caller would wait out the
    // whole timeout: hold it for the grace of a fail-over, then say that the bus is away
    // (requests already sent keep waiting). A held request is sent as it would have been then.
    if (!this.#connected) {
      const refuse = () => done(busUnavailable(this.#client));
      const resume = () =>
        this.#connected ? this.send(subject, payload, requestId, caller, done) : refuse();
      if (this.#hold.hold(resume, refuse)) this.#armSweeper();
      else refuse();
      return;
    }
    if (payload.length + HEADER_ALLOWANCE > this.#maxPayload) {
      const limit = this.#maxPayload - headerBytes(requestId, caller ?? this.#caller);
      if (payload.length > limit) {
        done(tooLargeForBus(payload.length, limit));
        return;
      }
    }
    const token = (this.#next++).toString(36);
    this.#pending.set(token, { done, deadline: Date.now() + this.#timeoutMs, subject });
    this.#armSweeper();
    this.#outgoing.push({ subject, payload, token, requestId, caller: caller ?? this.#caller });
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#publishQueued);
    }
  }

  /**
   * Publishes every request queued during this turn of the event loop. nats.js writes to its
   * socket once per microtask checkpoint, and HTTP requests each arrive in their own callback, so
   * publishing at once would cost one socket write per request; deferring to `setImmediate`
   * turns all the requests read in one loop iteration into one write.
   */
  readonly #publishQueued = (): void => {
    this.#flushScheduled = false;
    const batch = this.#outgoing;
    this.#outgoing = [];
    for (const { subject, payload, token, requestId, caller } of batch) {
      const h = headers();
      if (requestId) h.set(REQUEST_ID_HEADER, requestId);
      if (caller) h.set(CALLER_HEADER, caller);
      try {
        this.#nc.publish(subject, payload, { reply: this.#prefix + token, headers: h });
      } catch (error) {
        const message = (error as Error).message;
        const refused = /max_payload/.test(message)
          ? tooLargeForBus(payload.length, this.#maxPayload - headerBytes(requestId, caller))
          : unavailable(subject, message);
        this.#settle(token)?.done(refused);
      }
    }
  };

  /** False from a disconnect until NATS is reached again: requests are then held, then answered 503. */
  get connected(): boolean {
    return this.#connected;
  }

  /** The server's `max_payload`, as last known: a message larger than it cannot be sent. */
  get maxPayload(): number {
    return this.#maxPayload;
  }

  /** Connection state from nats.js status events (the connection reconnects on its own). */
  async #watch(): Promise<void> {
    try {
      for await (const status of this.#status) {
        if (status.type === 'disconnect' || status.type === 'reconnecting') this.#connected = false;
        else if (status.type === 'reconnect') {
          this.#connected = true;
          this.#maxPayload = this.#nc.info?.max_payload ?? this.#maxPayload;
          this.#hold.release();
        }
      }
    } catch {
      // The iterator ends with the connection; nothing to do.
    }
  }

  /** Rejects whatever is still waiting and stops listening. */
  close(): void {
    // status() is a nats.js QueuedIterator, typed as a plain AsyncIterable: stop() unregisters it.
    (this.#status as { stop?: () => void }).stop?.();
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    this.#sub.unsubscribe();
    this.#hold.refuseAll();
    for (const [token, pending] of this.#pending) {
      this.#pending.delete(token);
      pending.done(unavailable(pending.subject, 'the gateway is shutting down'));
    }
  }

  #settle(token: string): Pending | undefined {
    const pending = this.#pending.get(token);
    if (pending) this.#pending.delete(token);
    return pending;
  }

  #onReply(msg: Msg): void {
    const pending = this.#settle(msg.subject.slice(this.#prefix.length));
    if (!pending) return; // a late reply to a request that already timed out
    const h = msg.headers;
    if (h?.code === 503 && msg.data.length === 0) {
      pending.done(unavailable(pending.subject, 'no service is answering'));
      return;
    }
    const code = h?.get(SERVICE_ERROR_CODE_HEADER);
    if (code) {
      pending.done(decodeServiceError(Number(code), h?.get(SERVICE_ERROR_HEADER) ?? '', msg.data));
      return;
    }
    pending.done(null, msg.data);
  }

  /** Whether the timeout sweep runs now (only while a request or a held one waits). */
  get sweeping(): boolean {
    return this.#sweeper !== undefined;
  }

  #armSweeper(): void {
    if (this.#sweeper) return;
    this.#sweeper = setInterval(() => this.#sweep(), this.#tick);
    this.#sweeper.unref();
  }

  #sweep(): void {
    const now = Date.now();
    this.#hold.expire(now);
    for (const [token, pending] of this.#pending) {
      if (pending.deadline > now) break;
      this.#pending.delete(token);
      pending.done(timedOut(pending.subject, this.#timeoutMs));
    }
    // Nothing left to time out: the timer stops until the next request (measured idle: each
    // client's sweep, four times a second, was a share of every idle service's CPU).
    if (this.#pending.size === 0 && this.#hold.size === 0) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }
}
