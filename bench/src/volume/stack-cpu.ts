import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { readCpuMs } from '../cpu.js';
import type { WatchedProcess } from '../measure.js';

/** CPU of each watched process over a window, as % of one core (100 = one core busy throughout). */
export interface CpuFigures {
  seconds: number;
  /** Sums over the processes. */
  totalPctOfCore: number;
  totalWakeupsPerS: number;
  processes: { name: string; pid: number; pctOfCore: number; wakeupsPerS: number }[];
}

/**
 * Times the process's threads went to sleep and were woken again so far (voluntary context
 * switches, all threads). At rest that is its timers and messages, whatever the machine's load
 * does to the CPU each costs; undefined once the process is gone.
 */
export function readWakeups(pid: number): number | undefined {
  try {
    let total = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const status = readFileSync(`/proc/${pid}/task/${task}/status`, 'utf8');
      total += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    }
    return total;
  } catch {
    return undefined;
  }
}

/** Measures the processes' CPU over `seconds` of doing nothing to them. */
export async function measureCpu(processes: readonly WatchedProcess[], seconds: number): Promise<CpuFigures> {
  const window = startCpu(processes);
  await sleep(seconds * 1_000);
  return window.stop();
}

/** Starts a CPU window over the processes; `stop` ends it and answers the figures. */
export function startCpu(processes: readonly WatchedProcess[]): { stop(): CpuFigures } {
  const before = processes.map((p) => readCpuMs(p.pid));
  const wakeupsBefore = processes.map((p) => readWakeups(p.pid));
  const started = performance.now();
  const stop = (): CpuFigures => {
    const wallMs = performance.now() - started;
    const figures = processes.map((p, i) => ({
      name: p.name,
      pid: p.pid,
      pctOfCore: (100 * ((readCpuMs(p.pid) ?? Number.NaN) - (before[i] ?? Number.NaN))) / wallMs,
      wakeupsPerS: (1_000 * ((readWakeups(p.pid) ?? Number.NaN) - (wakeupsBefore[i] ?? Number.NaN))) / wallMs,
    }));
    return {
      seconds: wallMs / 1_000,
      totalPctOfCore: figures.reduce((sum, p) => sum + p.pctOfCore, 0),
      totalWakeupsPerS: figures.reduce((sum, p) => sum + p.wakeupsPerS, 0),
      processes: figures,
    };
  };
  return { stop };
}

/**
 * Waits until the stack has calmed down after a run (the requests a gateway gave up on may still
 * run in a service or the database): two seconds in a row under `quietPct` of one core in all,
 * or `maxS` at most. Answers how long it waited, s.
 */
export async function settle(processes: readonly WatchedProcess[], quietPct = 5, maxS = 60): Promise<number> {
  const started = performance.now();
  let quiet = 0;
  while (quiet < 2 && performance.now() - started < maxS * 1_000) {
    const { totalPctOfCore } = await measureCpu(processes, 1);
    quiet = totalPctOfCore < quietPct ? quiet + 1 : 0;
  }
  return (performance.now() - started) / 1_000;
}
