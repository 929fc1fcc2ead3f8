import { AppError, ErrorCode } from '@im/contracts';

/** What the gateway does to every open stream at once. */
export interface OpenStream {
  /**
   * When the credential it was opened with expires (epoch ms): it is ended at the first ping
   * after that, so a stream does not outlive its token (tokens are how access is revoked).
   */
  readonly expiresAt: number | undefined;
  /** The keep-alive comment. */
  ping(): void;
  /** Ends it cleanly: the client reconnects, to another copy when this one is going away. */
  end(): void;
  /** NATS reconnected: look for what may have been missed meanwhile. */
  resync(): void;
}

export interface OpenStreamsOptions {
  maxOpen: number;
  pingMs: number;
}

/** NATS reconnects are followed by every stream reading the store: spread over this long, not at once. */
const RESYNC_SPREAD_MS = 2_000;

/**
 * The streams this gateway copy holds open: bounded (each holds a socket, a subscription and a
 * slot of the broadcast service's attention), pinged by one timer for all of them, and ended
 * together when the gateway shuts down.
 */
export class OpenStreams {
  readonly #streams = new Set<OpenStream>();
  readonly #maxOpen: number;
  readonly #pingMs: number;
  /** Slots taken: streams open, and streams still waiting for their first answer. */
  #taken = 0;
  #closing = false;
  #pinger: NodeJS.Timeout | undefined;

  constructor({ maxOpen, pingMs }: OpenStreamsOptions) {
    this.#maxOpen = maxOpen;
    this.#pingMs = pingMs;
  }

  get size(): number {
    return this.#streams.size;
  }

  /** A slot for a stream about to open, or a 503: full, or shutting down. Give it back with `release`. */
  reserve(): void {
    if (this.#closing) {
      throw new AppError(
        ErrorCode.ServiceUnavailable,
        'the gateway is shutting down: open the stream again (another copy will answer)',
      );
    }
    if (this.#taken >= this.#maxOpen) {
      throw new AppError(
        ErrorCode.ServiceUnavailable,
        `STREAM_MAX_OPEN: this gateway copy holds its ${this.#maxOpen} open streams; retry later or elsewhere`,
      );
    }
    this.#taken++;
  }

  /** The reserved slot is now this open stream. False when shutdown began meanwhile: end it. */
  add(stream: OpenStream): boolean {
    if (this.#closing) return false;
    this.#streams.add(stream);
    this.#pinger ??= setInterval(() => this.#tick(), this.#pingMs).unref();
    return true;
  }

  /** Gives a slot back: the stream ended, or never opened. Call once per `reserve`. */
  release(stream?: OpenStream): void {
    this.#taken = Math.max(0, this.#taken - 1);
    if (stream) this.#streams.delete(stream);
    if (this.#streams.size === 0 && this.#pinger) {
      clearInterval(this.#pinger);
      this.#pinger = undefined;
    }
  }

  #tick(): void {
    const now = Date.now();
    for (const open of [...this.#streams]) {
      if (open.expiresAt !== undefined && open.expiresAt <= now) open.end();
      else open.ping();
    }
  }

  /** Shutdown: every stream ends now, and no new one opens. */
  endAll(): void {
    this.#closing = true;
    for (const stream of [...this.#streams]) stream.end();
  }

  resyncAll(): void {
    for (const stream of this.#streams) {
      setTimeout(
        () => this.#streams.has(stream) && stream.resync(),
        Math.random() * RESYNC_SPREAD_MS,
      ).unref();
    }
  }
}
