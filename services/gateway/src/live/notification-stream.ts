import type { NotificationsSinceReply, SequencedNotification } from '@im/contracts';
import { decodeLiveNotification, notificationJson } from './notification-payloads.js';

/**
 * One student's notifications, in seq order, each exactly once (docs/live.md). The live subject
 * is subscribed before the inbox is asked where it stands, so nothing published in between is
 * missed; what the replay already gave is dropped when it also comes live. The store is the
 * truth and live messages are a shortcut to it: the next seq is emitted as it arrives, anything
 * further means a gap (workers publishing out of order, a lost core message) and the gap is read
 * from the store, one read at a time. Nothing is ever emitted out of order or with a hole before it.
 */
export interface NotificationSource {
  /** Core NATS on the student's live subject: raw payloads, and the end of the subscription. */
  subscribe(onMessage: (data: Uint8Array) => void, onError: (error: Error) => void): { unsubscribe(): void };
  /** `notifications_since`: the page after `after`, or only where the inbox stands without it. */
  since(after: number | undefined): Promise<NotificationsSinceReply>;
}

export interface NotificationSink {
  notification(seq: number, json: string): void;
  end(): void;
}

export interface StreamLog {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

/** Live messages kept while the first answer is awaited; past it only the highest seq is noted. */
const MAX_EARLY = 1_000;
/**
 * A live seq the store does not have yet is looked for again this many times (100 ms doubling).
 * Then it is given up on: the store decides what exists, and a message claiming a seq it never
 * reaches (a stray or hostile publish) must not keep a stream busy forever.
 */
const BEHIND_RETRIES = 5;
const BEHIND_RETRY_MS = 100;

export class NotificationStream {
  readonly #source: NotificationSource;
  readonly #log: StreamLog;
  /** The seq last emitted (or where the stream starts). */
  #last = 0;
  #early: SequencedNotification[] | undefined = [];
  #highestSeen = 0;
  #first: NotificationsSinceReply | undefined;
  #sink: NotificationSink | undefined;
  #subscription: { unsubscribe(): void } | undefined;
  #syncing = false;
  #retry: NodeJS.Timeout | undefined;
  #behindRetries = 0;
  #resyncAtStart = false;
  #malformed = 0;
  #closed = false;

  constructor(source: NotificationSource, log: StreamLog) {
    this.#source = source;
    this.#log = log;
  }

  /**
   * Subscribes, then asks where the inbox stands after `after`. A refusal (403) or an outage
   * throws here, before anything is written: the caller answers it as a normal error.
   */
  async open(after: number | undefined): Promise<void> {
    this.#subscription = this.#source.subscribe(
      (data) => this.#onLive(data),
      (error) => this.#fail('the live subscription ended', error),
    );
    try {
      const first = await this.#source.since(after);
      // A cursor beyond the inbox counts as its end (the contract's rule).
      this.#last = Math.min(after ?? first.last_seq, first.last_seq);
      this.#first = first;
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** Once the head is written: the replay, what arrived meanwhile, then live. */
  start(sink: NotificationSink): void {
    if (this.#closed || !this.#first) {
      sink.end();
      return;
    }
    this.#sink = sink;
    const first = this.#first;
    this.#first = undefined;
    const early = (this.#early ?? []).sort((a, b) => a.seq - b.seq);
    this.#early = undefined;
    const outcome = this.#page(first);
    for (const n of early) this.#accept(n);
    if (outcome !== 'done' || this.#resyncAtStart) this.#requestSync();
  }

  /** After NATS reconnected: messages may have been lost while it was away. */
  resync(): void {
    if (this.#early) this.#resyncAtStart = true;
    else this.#requestSync();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#subscription?.unsubscribe();
    clearTimeout(this.#retry);
    this.#retry = undefined;
  }

  #onLive(data: Uint8Array): void {
    if (this.#closed) return;
    const decoded = decodeLiveNotification(data);
    if (typeof decoded === 'string') {
      // Logged once per stream (a flood of them must not flood the log), counted after that.
      if (this.#malformed++ === 0)
        this.#log.warn({ reason: decoded }, 'live notification dropped: malformed');
      return;
    }
    if (!this.#early) {
      this.#accept(decoded);
    } else if (this.#early.length < MAX_EARLY) {
      this.#early.push(decoded);
    } else {
      this.#highestSeen = Math.max(this.#highestSeen, decoded.seq);
    }
  }

  #accept(n: SequencedNotification): void {
    if (n.seq <= this.#last) return;
    if (n.seq === this.#last + 1) {
      this.#emit(n);
      return;
    }
    this.#highestSeen = Math.max(this.#highestSeen, n.seq);
    this.#requestSync();
  }

  #emit(n: SequencedNotification): void {
    this.#last = n.seq;
    this.#sink?.notification(n.seq, notificationJson(n.notification));
  }

  /**
   * Emits a page's items that continue the order; `more`: the page says more follow; `behind`:
   * a seq was seen (live, or further in the page) that the store has not given in order yet.
   */
  #page(reply: NotificationsSinceReply): 'done' | 'more' | 'behind' {
    let hole = false;
    for (const item of reply.items) {
      if (item.seq <= this.#last) continue;
      if (item.seq !== this.#last + 1) {
        hole = true;
        this.#highestSeen = Math.max(this.#highestSeen, item.seq);
        break;
      }
      this.#emit(item);
    }
    if (reply.more && !hole) return 'more';
    return hole || this.#highestSeen > this.#last ? 'behind' : 'done';
  }

  #requestSync(): void {
    if (this.#closed || this.#syncing || this.#retry || !this.#sink) return;
    void this.#sync();
  }

  /** Reads the store from the last seq on, page by page, until the gap is closed; one read at a time. */
  async #sync(): Promise<void> {
    this.#syncing = true;
    try {
      for (;;) {
        const before = this.#last;
        const reply = await this.#source.since(before);
        if (this.#closed) return;
        const outcome = this.#page(reply);
        if (outcome === 'done') return;
        // Progress: read on at once (more pages, or what was written meanwhile). None: the
        // store is behind what was seen (or answers pages that do not advance): later.
        if (this.#last > before) {
          this.#behindRetries = 0;
          continue;
        }
        this.#retryLater();
        return;
      }
    } catch (error) {
      this.#fail('a replay read failed', error);
    } finally {
      this.#syncing = false;
    }
  }

  #retryLater(): void {
    if (this.#behindRetries >= BEHIND_RETRIES) {
      this.#log.warn(
        { last: this.#last, seen: this.#highestSeen },
        'live notification never reached the store; its seq is given up on',
      );
      this.#highestSeen = this.#last;
      this.#behindRetries = 0;
      return;
    }
    const delay = BEHIND_RETRY_MS * 2 ** this.#behindRetries++;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#requestSync();
    }, delay);
  }

  /**
   * The stream cannot go on in order: it ends, and the client reconnects with the last id it
   * got, which replays exactly what it is missing.
   */
  #fail(what: string, error: unknown): void {
    if (this.#closed) return;
    const reason = error instanceof Error ? error.message : String(error);
    this.#log.info({ err: reason, last: this.#last }, `stream ended: ${what}`);
    this.close();
    this.#sink?.end();
  }
}
