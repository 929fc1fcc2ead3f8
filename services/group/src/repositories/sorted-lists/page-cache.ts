/**
 * Pages of SortedLists read lately, each with the version of the list it was read at (the head's
 * `v`, which every change raises). A page read finds the head first in any case; when the head
 * still carries the version a kept page was read at, that page is the answer and the directory
 * pages and chunks it came from are not read again. Another copy's change raises the version too,
 * so no copy answers a page a change has outdated. A crash between a chunk's write and its head's
 * leaves the head's version behind the chunk (sorted-lists.ts): a page older than `maxAgeMs` is
 * read again whatever its version, as ContactsCache does.
 */
export class PageCache<T> {
  readonly #entries = new Map<string, { v: number; at: number; items: readonly T[] }>();
  readonly #max: number;
  readonly #maxAgeMs: number;
  readonly #now: () => number;

  constructor(max: number, maxAgeMs = 60_000, now: () => number = Date.now) {
    this.#max = max;
    this.#maxAgeMs = maxAgeMs;
    this.#now = now;
  }

  /** The page kept for exactly this window at version `v`, as a new array; undefined: none. */
  get(key: string, skip: number, limit: number, v: number): T[] | undefined {
    const id = entryId(key, skip, limit);
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    this.#entries.delete(id);
    if (entry.v !== v || this.#now() - entry.at > this.#maxAgeMs) return undefined;
    // Most recently used last: the Map's first key is the one to evict.
    this.#entries.set(id, entry);
    return [...entry.items];
  }

  set(key: string, skip: number, limit: number, v: number, items: readonly T[]): void {
    const id = entryId(key, skip, limit);
    this.#entries.delete(id);
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(id, { v, at: this.#now(), items: [...items] });
  }
}

const entryId = (key: string, skip: number, limit: number) => `${skip}:${limit}:${key}`;
