/**
 * Tokens already verified, keyed by their own text: a repeat costs one Map lookup and a clock
 * read. (fast-jwt's own cache keys by a SHA-256 of the token: measured at half the cost of
 * authentication on the hot path.) An entry ends with its token's `exp`, or sooner: claims are
 * re-read now and then. Oldest first out when full; long tokens are not kept, so memory stays
 * bounded (capacity × maxTokenLength characters at the very worst).
 */
export class VerifiedTokens<T> {
  readonly #entries = new Map<string, { value: T; until: number }>();

  constructor(
    private readonly capacity: number,
    private readonly maxTokenLength: number,
  ) {}

  get(token: string, now: number): T | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    if (now < entry.until) return entry.value;
    this.#entries.delete(token);
    return undefined;
  }

  set(token: string, value: T, until: number): void {
    if (token.length > this.maxTokenLength) return;
    if (this.#entries.size >= this.capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(token, { value, until });
  }

  get size(): number {
    return this.#entries.size;
  }
}
