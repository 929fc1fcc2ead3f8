/**
 * The workers' "class message fanned out" lines, by push id: each is written after a push's last
 * delivery and before its ack, so its arrival is when that fan-out ended (as the fanout suite
 * times it; polling the collection instead would measure FerretDB's full scans).
 */
export class FanoutWatch {
  readonly #seen = new Map<number, number>();
  readonly #waiting = new Map<number, (at: number) => void>();

  /** A line of the workers' output: anything but a fan-out line is ignored. */
  read(line: string): void {
    if (!line.includes('class message fanned out')) return;
    const at = performance.now();
    const pushId = (JSON.parse(line) as { push_id: number }).push_id;
    // A redelivered message is fanned out again (writing nothing new): the first line counts.
    if (this.#seen.has(pushId)) return;
    this.#seen.set(pushId, at);
    this.#waiting.get(pushId)?.(at);
  }

  /** When push `pushId`'s fan-out ended (the bench's clock). */
  wait(pushId: number, timeoutMs: number): Promise<number> {
    const seen = this.#seen.get(pushId);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`push ${pushId} not fanned out within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#waiting.set(pushId, (at) => {
        clearTimeout(timer);
        this.#waiting.delete(pushId);
        resolve(at);
      });
    });
  }
}
