/** Counts work in progress so a shutdown can wait for it instead of cutting it off. */
export class InFlight {
  #count = 0;
  #idle: (() => void)[] = [];

  get count(): number {
    return this.#count;
  }

  track(work: Promise<unknown>): void {
    this.#count++;
    void work.finally(() => {
      this.#count--;
      if (this.#count === 0) for (const wake of this.#idle.splice(0)) wake();
    });
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
