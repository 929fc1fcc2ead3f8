import { sleep } from '@im/testkit';
import type { Case } from './case.js';
import { type RawResponse, send } from './http.js';
import { judge, type Problem } from './verdict.js';

/**
 * Sends the cases with bounded concurrency and keeps, for each, its answer and when it was in
 * flight: a process that dies is blamed on the cases in flight at that moment (its suspects),
 * and `replay` then sends those one at a time to find which of them kills it.
 */
export interface Outcome {
  case: Case;
  response?: RawResponse;
  error?: string;
  problem?: Problem;
  startedAt: number;
  endedAt: number;
}

export class Sweep {
  readonly #inFlight = new Set<Case>();

  constructor(
    private readonly port: number,
    /** What an error body may hold, from the OpenAPI document. */
    private readonly errorMembers: ReadonlySet<string>,
  ) {}

  /** The cases being sent right now (for a death: who was there). */
  inFlight(): Case[] {
    return [...this.#inFlight];
  }

  async one(c: Case): Promise<Outcome> {
    const startedAt = Date.now();
    this.#inFlight.add(c);
    let response: RawResponse | undefined;
    let error: string | undefined;
    try {
      response = await send(this.port, c.request);
    } catch (e) {
      error = (e as Error).message;
    } finally {
      this.#inFlight.delete(c);
    }
    const problem = judge(c, response, error, this.errorMembers);
    return {
      case: c,
      ...(response ? { response } : {}),
      ...(error ? { error } : {}),
      ...(problem ? { problem } : {}),
      startedAt,
      endedAt: Date.now(),
    };
  }

  async all(cases: readonly Case[], concurrency: number): Promise<Outcome[]> {
    const outcomes: Outcome[] = new Array(cases.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < cases.length; i = next++) outcomes[i] = await this.one(cases[i]!);
      }),
    );
    return outcomes;
  }
}

export interface ReplayHooks {
  /** The processes that exited so far, in order, of any phase. */
  exits(): readonly string[];
  /** Resolves once every process serves again (after a restart). */
  recovered(): Promise<void>;
}

/**
 * Sends each suspect alone and waits a moment: after which ones a process died, and which.
 * Bounded by `limit` sends; what is left unreplayed stays a suspect in the report.
 */
export async function replay(
  sweep: Sweep,
  suspects: readonly Case[],
  hooks: ReplayHooks,
  limit: number,
): Promise<Map<Case, string[]>> {
  const culprits = new Map<Case, string[]>();
  for (const c of suspects.slice(0, limit)) {
    const before = hooks.exits().length;
    await sweep.one(c);
    await sleep(300);
    const died = hooks.exits().slice(before);
    if (died.length > 0) {
      culprits.set(c, [...new Set(died)]);
      await hooks.recovered();
    }
  }
  return culprits;
}

/**
 * The cases worth replaying for a death: in flight when it happened, and never answered well.
 * A request that kills the process serving it gets no reply (a 504, or no answer at all).
 */
export function suspectsOf(inFlight: readonly Case[], outcomes: ReadonlyMap<Case, Outcome>): Case[] {
  return inFlight.filter((c) => {
    const o = outcomes.get(c);
    return !o?.response || o.response.status >= 500;
  });
}
