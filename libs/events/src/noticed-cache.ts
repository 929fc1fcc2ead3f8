import { ChangeNotice, compileValidator, MAX_NOTICE_KEYS } from '@im/contracts';
import type { Logger } from '@im/log';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { type ConnectionState, connectionState } from './connection-state.js';

export interface NoticedCacheOptions {
  /** The change notices of what is kept (NoticeSubjects): every copy hears every notice. */
  subject: string;
  /** Entries kept at most; the least recently used go first. */
  maxEntries: number;
  /**
   * How long an entry is answered without a notice. Notices are core NATS, so one can be lost
   * (a slow consumer, a reconnect that we did not see in time): this bounds what that costs.
   */
  maxAgeMs: number;
  log: Logger;
  now?: () => number;
}

interface Entry<V> {
  value: V;
  at: number;
}

const validNotice = compileValidator(ChangeNotice);
const decoder = new TextDecoder();

/**
 * Values another process owns, kept in this one until their owner says they changed (a change
 * notice on `subject`, after its write) or `maxAgeMs` has passed. A value fetched while a notice
 * of its key arrives is answered but not kept: the fetch may have read it before the change. So
 * is everything fetched across a clear (a reconnect, a notice that is not one), and while the
 * connection is down nothing is kept or answered from what is kept, since notices are missed then.
 */
export class NoticedCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  /** Raised by every notice and every clear; a fetch keeps its keys only if none came since. */
  #epoch = 0;
  /** The epoch of each key's last notice, kept only while fetches are under way (#fetching). */
  readonly #noticed = new Map<string, number>();
  #fetching = 0;
  /** Fetches that started before this epoch keep nothing (#noticed was cleared, or everything). */
  #floor = 0;
  readonly #options: NoticedCacheOptions;
  readonly #nc: NatsConnection;
  readonly #now: () => number;
  readonly #state: ConnectionState;
  readonly #subscription: Subscription;
  readonly #stopReconnect: () => void;

  private constructor(nc: NatsConnection, options: NoticedCacheOptions) {
    this.#options = options;
    this.#nc = nc;
    this.#now = options.now ?? Date.now;
    this.#state = connectionState(nc);
    this.#stopReconnect = this.#state.onReconnect(() => this.clear());
    this.#subscription = nc.subscribe(options.subject, {
      // Nothing may escape into nats.js's subscription callback: it would end the process.
      callback: (error, msg) => {
        try {
          if (error) this.clear();
          else this.#notice(msg.data);
        } catch {
          this.clear();
        }
      },
    });
  }

  /** A cache whose subscription the server has: a notice published after this resolves is heard. */
  static async open<V>(nc: NatsConnection, options: NoticedCacheOptions): Promise<NoticedCache<V>> {
    const cache = new NoticedCache<V>(nc, options);
    await nc.flush();
    return cache;
  }

  /** The values of `keys`: those kept and young enough, the rest from `fetch` (kept when safe). */
  async getMany(
    keys: readonly string[],
    fetch: (missing: string[]) => Promise<Map<string, V>>,
  ): Promise<Map<string, V>> {
    const found = new Map<string, V>();
    const missing: string[] = [];
    const usable = this.#state.connected();
    for (const key of new Set(keys)) {
      const kept = usable ? this.#kept(key) : undefined;
      if (kept === undefined) missing.push(key);
      else found.set(key, kept.value);
    }
    if (missing.length === 0) return found;
    const started = this.#epoch;
    this.#fetching += 1;
    try {
      const fetched = await fetch(missing);
      const keep = usable && this.#state.connected() && started >= this.#floor;
      for (const [key, value] of fetched) {
        found.set(key, value);
        if (keep && (this.#noticed.get(key) ?? -1) <= started) this.#keep(key, value);
      }
      return found;
    } finally {
      // The notices heard meanwhile matter to fetches under way only.
      this.#fetching -= 1;
      if (this.#fetching === 0) this.#noticed.clear();
    }
  }

  /** One key's value (getMany of one); `fetch` answers undefined for none, which is not kept. */
  async get(key: string, fetch: () => Promise<V | undefined>): Promise<V | undefined> {
    const found = await this.getMany([key], async () => {
      const value = await fetch();
      return new Map(value === undefined ? [] : [[key, value]]);
    });
    return found.get(key);
  }

  /**
   * This process changed `keys` (after its write): they are forgotten here at once, so that its
   * own next read does not wait for the notice to come back, and every copy is told.
   */
  changed(keys: readonly string[]): void {
    if (keys.length === 0) return;
    this.#forget(keys);
    publishNotice(this.#nc, this.#options.subject, keys);
  }

  /** Forgets everything, and what fetches under way bring back. */
  clear(): void {
    this.#entries.clear();
    this.#noticed.clear();
    this.#epoch += 1;
    this.#floor = this.#epoch;
  }

  get size(): number {
    return this.#entries.size;
  }

  close(): void {
    this.#stopReconnect();
    this.#subscription.unsubscribe();
    this.clear();
  }

  #notice(data: Uint8Array): void {
    let notice: ChangeNotice;
    try {
      notice = validNotice(JSON.parse(decoder.decode(data)));
    } catch {
      // Not a notice: which keys changed is unknown, so all may have. Its text is not logged.
      this.#options.log.warn(
        { subject: this.#options.subject, bytes: data.length },
        'not a change notice: cache cleared',
      );
      this.clear();
      return;
    }
    this.#forget(notice.keys);
  }

  #forget(keys: readonly string[]): void {
    this.#epoch += 1;
    // Fetches under way must hear of these keys; with none, dropping the entries is all.
    const record = this.#fetching > 0;
    if (record && this.#noticed.size + keys.length > this.#options.maxEntries) {
      this.#noticed.clear();
      this.#floor = this.#epoch;
    }
    for (const key of keys) {
      this.#entries.delete(key);
      if (record) this.#noticed.set(key, this.#epoch);
    }
  }

  #kept(key: string): Entry<V> | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (this.#now() - entry.at > this.#options.maxAgeMs) return undefined;
    // Most recently used last: the Map's first key is the one to evict.
    this.#entries.set(key, entry);
    return entry;
  }

  #keep(key: string, value: V): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#options.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, at: this.#now() });
  }
}

/**
 * Tells every copy that keeps them that `keys` changed: after the write, never before. Fire and
 * forget: a notice that cannot go (the connection closing) is what `maxAgeMs` is there for.
 */
export function publishNotice(nc: NatsConnection, subject: string, keys: readonly string[]): void {
  const unique = [...new Set(keys)];
  try {
    for (let i = 0; i < unique.length; i += MAX_NOTICE_KEYS) {
      nc.publish(subject, JSON.stringify({ keys: unique.slice(i, i + MAX_NOTICE_KEYS) }));
    }
  } catch {
    // Closed or draining: nobody is left to tell on this connection.
  }
}
