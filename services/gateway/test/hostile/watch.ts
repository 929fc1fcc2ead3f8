import { pollUntil, type RestartEvent, type Stack } from '@im/testkit';
import type { Case } from './case.js';
import type { Death } from './report.js';
import type { Outcome } from './sweep.js';
import { show } from './values.js';

/**
 * Watches the stack's processes while the sweep runs: each death (with the cases in flight and
 * its last words), each outage until the restarted process serves, and every output line that is
 * not a JSON log line (an injected line break, or a crash's stack trace).
 */
export type Phase = 'setup' | 'sweep' | 'replay' | 'done';

export class ProcessWatch {
  phase: Phase = 'setup';
  /** Deaths outside the replay: the ones the suite fails on. */
  readonly deaths: Death[] = [];
  /** The process of every exit, the replay's included. */
  readonly exited: string[] = [];
  readonly notJsonLines: string[] = [];
  readonly #down = new Set<string>();
  /** From each death until its process served again: answers in between were bound to fail. */
  readonly #outages: { service: string; from: number; to?: number }[] = [];

  constructor(
    private readonly stack: () => Stack | undefined,
    private readonly inFlight: () => Case[],
  ) {}

  /** The startStack callbacks that feed the watch. */
  readonly callbacks = {
    onExit: (service: string, code: number | null, signal: NodeJS.Signals | null) => {
      this.exited.push(service);
      this.#down.add(service);
      this.#outages.push({ service, from: Date.now() });
      if (this.phase === 'replay') return;
      const death: Death = { service, code, signal, at: Date.now(), inFlight: this.inFlight(), crash: [] };
      this.deaths.push(death);
      // Its last lines arrive just after the exit, and before a restart (0.5 s) adds new ones.
      setTimeout(() => {
        death.crash = lastWords(this.stack()?.processes[service]?.output() ?? '');
      }, 200);
    },
    onRestart: (service: string, event: RestartEvent) => {
      if (event.kind !== 'restarted') return;
      this.#down.delete(service);
      const outage = this.#outages.findLast((o) => o.service === service && o.to === undefined);
      if (outage) outage.to = Date.now();
    },
    onLine: (service: string, line: string) => {
      if (this.phase === 'sweep' && !isJsonObject(line))
        this.notJsonLines.push(`${service}: ${show(line, 200)}`);
    },
  };

  /** Whether an answer came while a process was down: then its 5xx is the death's, not its own. */
  duringOutage(o: Outcome): boolean {
    return this.#outages.some(
      (w) => o.endedAt >= w.from && o.startedAt <= (w.to ?? Number.POSITIVE_INFINITY),
    );
  }

  /** Resolves once no process is down and the gateway is ready (30 s at most). */
  async recovered(): Promise<void> {
    const url = this.stack()?.gatewayUrl;
    await pollUntil(
      async () =>
        this.#down.size === 0 && (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200,
      Date.now() + 30_000,
    );
  }
}

function isJsonObject(line: string): boolean {
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null;
  } catch {
    return false;
  }
}

/** A crashed process's last lines that are not its JSON log lines: the stack trace, mostly. */
function lastWords(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '' && !isJsonObject(line))
    .slice(-14);
}
