import type { Contact } from '@im/contracts';

/** Organizations whose contacts are kept: each entry is at most CONTACTS_MAX contacts (~100 KB). */
const MAX_ORGANIZATIONS = 200;
/**
 * A crash between a list chunk's write and its head's leaves the head's version behind the chunk
 * (SortedLists): an entry older than this is rebuilt even when the versions still match.
 */
const MAX_AGE_MS = 60_000;

interface Entry<T> {
  versions: string;
  at: number;
  data: T;
}

/**
 * The contacts replies last built, per organization, with the versions of the two lists they
 * were built from (the organization's groups and its users). A reply is reused only while both
 * lists' heads still carry those versions: every change to a list writes its head with the next
 * version, so a hit costs two look-ups by `_id` instead of reading up to 1,000 entries (several
 * chunks), and a copy of the service never answers what another copy's change has outdated.
 */
export class ContactsCache<T = Contact[]> {
  readonly #entries = new Map<number, Entry<T>>();
  /** Builds under way, by organization and versions: the callers that miss at once share one. */
  readonly #building = new Map<string, Promise<T>>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** The reply built from exactly these list versions, if it is kept and young enough. */
  get(organizationId: number, versions: readonly number[]): T | undefined {
    const entry = this.#entries.get(organizationId);
    if (!entry || entry.versions !== versions.join(':')) return undefined;
    if (this.#now() - entry.at > MAX_AGE_MS) {
      this.#entries.delete(organizationId);
      return undefined;
    }
    // Most recently used last: the Map's first key is the one to evict.
    this.#entries.delete(organizationId);
    this.#entries.set(organizationId, entry);
    return entry.data;
  }

  /**
   * The kept reply for these versions, else `build`'s, kept. Requests that miss together (a cold
   * cache under load, or just after a change) wait for the one build: fifty callers building the
   * same thousand entries at once took the database down to 22 replies a second (measured). A
   * build that fails is not kept and fails each of its waiters.
   */
  async getOrBuild(organizationId: number, versions: readonly number[], build: () => Promise<T>): Promise<T> {
    const kept = this.get(organizationId, versions);
    if (kept) return kept;
    const key = `${organizationId}|${versions.join(':')}`;
    const running = this.#building.get(key);
    if (running) return running;
    const built = build().then((data) => {
      this.set(organizationId, versions, data);
      return data;
    });
    this.#building.set(key, built);
    try {
      return await built;
    } finally {
      this.#building.delete(key);
    }
  }

  /** Keeps a reply built after reading `versions` (read before the lists, so never newer than them). */
  set(organizationId: number, versions: readonly number[], data: T): void {
    this.#entries.delete(organizationId);
    if (this.#entries.size >= MAX_ORGANIZATIONS) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(organizationId, { versions: versions.join(':'), at: this.#now(), data });
  }
}
