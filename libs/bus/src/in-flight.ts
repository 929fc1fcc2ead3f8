/** Counts work in progress so a shutdown can wait for it instead of cutting it off. */
export class InFlight {
  #count = 0;
  #idle: (() => void)[] = [];

  get count(): number {
    return this.#count;
  }

  /** Counts `work` until it settles; a rejection is the caller's to handle, never re-thrown here. */
  track(work: Promise<unknown>): void {
    this.#count++;
    const done = () => {
      this.#count--;
      if (this.#count === 0) for (const wake of this.#idle.splice(0)) wake();
    };
    work.then(done, done);
  }

  /** Resolves once nothing is in flight, or after `timeoutMs` whatever remains. */
  settled(timeoutMs: number): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
