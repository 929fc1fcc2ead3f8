/** Calls `tell` every `intervalMs` until stopped (progress lines on stderr while a phase runs). */
export function every(intervalMs: number, tell: () => void): { stop(): void } {
  const timer = setInterval(tell, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** `12,345/200,000 (1,234/s)`: how far a count has got and how fast since `startedMs`. */
export function rate(done: number, total: number, startedMs: number): string {
  const seconds = (performance.now() - startedMs) / 1_000;
  const perS = seconds > 0 ? done / seconds : 0;
  return `${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} (${Math.round(perS).toLocaleString('en-US')}/s)`;
}
