/**
 * Pages of a list read lately, each with the version of the list it was read at (a number in the
 * list's head that every change raises: SortedLists' `v` in the group service, KeyedList's `w`).
 * A page read finds the head first in any case; when the head still carries the version a kept
 * page was read at, that page is the answer and the documents it came from are not read again.
 * Another copy's change raises the version too, so no copy answers a page a change has outdated.
 * A crash between a change of another document and its head's write leaves the version behind
 * the change: a page older than `maxAgeMs` is read again whatever its version.
 */
export interface PageCacheOptions<T> {
  /** A page older than this is read again whatever its version; default 60 s. */
  maxAgeMs?: number;
  /**
   * A bound on the pages' total weight besides their count (`weigh`: of one page's items, by
   * default the length of their JSON), for entries whose size the caller does not bound: the
   * least recently used go until a new page fits, and a page heavier than the whole budget is not
   * kept.
   */
  budget?: { max: number; weigh?: (items: readonly T[]) => number };
  now?: () => number;
}

interface Kept<T> {
  v: number;
  at: number;
  items: readonly T[];
  weight: number;
}

export class PageCache<T> {
  readonly #entries = new Map<string, Kept<T>>();
  readonly #max: number;
  readonly #maxAgeMs: number;
  readonly #budget: PageCacheOptions<T>['budget'];
  readonly #now: () => number;
  #weight = 0;

  constructor(max: number, options: PageCacheOptions<T> = {}) {
    this.#max = max;
    this.#maxAgeMs = options.maxAgeMs ?? 60_000;
    this.#budget = options.budget;
    this.#now = options.now ?? Date.now;
  }

  /** The page kept for exactly this window at version `v`, as a new array; undefined: none. */
  get(key: string, skip: number, limit: number, v: number): T[] | undefined {
    const id = entryId(key, skip, limit);
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    this.#drop(id);
    if (entry.v !== v || this.#now() - entry.at > this.#maxAgeMs) return undefined;
    // Most recently used last: the Map's first key is the one to evict.
    this.#keep(id, entry);
    return [...entry.items];
  }

  set(key: string, skip: number, limit: number, v: number, items: readonly T[]): void {
    const id = entryId(key, skip, limit);
    this.#drop(id);
    const budget = this.#budget;
    const weight = budget ? (budget.weigh ?? jsonLength)(items) : 0;
    if (budget && weight > budget.max) return;
    const full = () =>
      this.#entries.size >= this.#max || (budget !== undefined && this.#weight + weight > budget.max);
    while (this.#entries.size > 0 && full()) this.#drop(this.#entries.keys().next().value as string);
    this.#keep(id, { v, at: this.#now(), items: [...items], weight });
  }

  /** Pages kept, and their total weight (0 without a budget). */
  get size(): { pages: number; weight: number } {
    return { pages: this.#entries.size, weight: this.#weight };
  }

  #keep(id: string, entry: Kept<T>): void {
    this.#entries.set(id, entry);
    this.#weight += entry.weight;
  }

  #drop(id: string): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    this.#weight -= entry.weight;
  }
}

const entryId = (key: string, skip: number, limit: number) => `${skip}:${limit}:${key}`;
const jsonLength = (items: readonly unknown[]): number => JSON.stringify(items).length;
