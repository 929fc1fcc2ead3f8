/**
 * When a supervised process that died on its own is started again. Restarting at once, forever,
 * would turn a process that crashes at start into a busy loop; waiting longer after each failure
 * in a row (and forgetting the failures once the process has stayed up a while) keeps a rare crash
 * cheap and a crash loop quiet.
 */
export interface RestartPolicy {
  /** Wait before the first restart in a row; doubled for each further one. */
  initialDelayMs: number;
  /** The longest wait. */
  maxDelayMs: number;
  /** A process that was ready this long counts as healthy: its next restart waits `initialDelayMs`. */
  stableAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: Readonly<RestartPolicy> = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  stableAfterMs: 60_000,
};

/** `true` or a partial policy gives a full one over the defaults; `false` / absent: no restarts. */
export function restartPolicy(
  option: boolean | Partial<RestartPolicy> | undefined,
): RestartPolicy | undefined {
  if (!option) return undefined;
  return { ...DEFAULT_RESTART_POLICY, ...(option === true ? {} : option) };
}

/** The next restart: how long to wait, and which restart in a row it is (from 1). */
export interface NextRestart {
  delayMs: number;
  attempt: number;
}

/** Counts restarts in a row and says how long to wait before the next one. */
export class RestartBackoff {
  #inARow = 0;

  constructor(readonly policy: RestartPolicy) {}

  /** After a death: `upForMs` is how long the process had been ready (0 when it never became so). */
  next(upForMs: number): NextRestart {
    if (upForMs >= this.policy.stableAfterMs) this.#inARow = 0;
    const delayMs = Math.min(this.policy.maxDelayMs, this.policy.initialDelayMs * 2 ** this.#inARow);
    this.#inARow += 1;
    return { delayMs, attempt: this.#inARow };
  }
}
