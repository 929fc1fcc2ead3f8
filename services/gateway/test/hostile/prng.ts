/**
 * The hostile suite's one source of chance (mulberry32: small, fast, the same sequence for the
 * same seed on every machine). The seed comes from `HOSTILE_SEED` or a fixed default, and every
 * failure report prints it, so a failing sweep can be rerun exactly.
 */
export const DEFAULT_HOSTILE_SEED = 20_151_215;

export function hostileSeed(env: Record<string, string | undefined> = process.env): number {
  const given = env.HOSTILE_SEED;
  if (given === undefined || given === '') return DEFAULT_HOSTILE_SEED;
  const seed = Number(given);
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new Error(`HOSTILE_SEED must be a non-negative integer, not ${given}`);
  return seed;
}

export class Prng {
  #state: number;

  constructor(readonly seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Prng.pick: nothing to pick from');
    return items[this.below(items.length)]!;
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy;
  }
}
