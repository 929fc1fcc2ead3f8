/**
 * Requests made while the connection is away, held for a short grace instead of refused at once.
 * Losing a NATS node costs its clients about half a second (the bus reconnects to the next seed
 * every 500 ms): a request held that long is sent once the connection is back, and the caller
 * never sees the fail-over. Past the grace, or beyond `max` held at once, it is refused: an
 * outage longer than a fail-over is answered promptly, not after the request timeout.
 */
export class ReconnectHold {
  /** In arrival order, which is deadline order: every entry has the same grace. */
  #held: { deadline: number; resume: () => void; refuse: () => void }[] = [];

  constructor(
    private readonly graceMs: number,
    private readonly max: number,
  ) {}

  /** Holds one request; false (the caller refuses it) when the grace is 0 or the hold is full. */
  hold(resume: () => void, refuse: () => void): boolean {
    if (this.graceMs <= 0 || this.#held.length >= this.max) return false;
    this.#held.push({ deadline: Date.now() + this.graceMs, resume, refuse });
    return true;
  }

  get size(): number {
    return this.#held.length;
  }

  /** Connected again: every held request goes, in arrival order. */
  release(): void {
    const held = this.#held;
    this.#held = [];
    for (const entry of held) entry.resume();
  }

  /** Refuses the requests whose grace is over (the client's sweeper calls this). */
  expire(now: number): void {
    while (this.#held.length > 0 && (this.#held[0] as { deadline: number }).deadline <= now) {
      this.#held.shift()?.refuse();
    }
  }

  /** The client closes: nothing held will be sent. */
  refuseAll(): void {
    const held = this.#held;
    this.#held = [];
    for (const entry of held) entry.refuse();
  }
}
