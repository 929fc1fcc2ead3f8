import { setTimeout as sleep } from 'node:timers/promises';
import { readCpuMs } from '../cpu.js';
import type { WatchedProcess } from '../measure.js';

/** CPU of each watched process over a window, as % of one core (100 = one core busy throughout). */
export interface CpuFigures {
  seconds: number;
  /** Sum over the processes. */
  totalPctOfCore: number;
  processes: { name: string; pid: number; pctOfCore: number }[];
}

/** Measures the processes' CPU over `seconds` of doing nothing to them. */
export async function measureCpu(processes: readonly WatchedProcess[], seconds: number): Promise<CpuFigures> {
  const before = processes.map((p) => readCpuMs(p.pid));
  const started = performance.now();
  await sleep(seconds * 1_000);
  const wallMs = performance.now() - started;
  const figures = processes.map((p, i) => ({
    name: p.name,
    pid: p.pid,
    pctOfCore: (100 * ((readCpuMs(p.pid) ?? Number.NaN) - (before[i] ?? Number.NaN))) / wallMs,
  }));
  return {
    seconds: wallMs / 1_000,
    totalPctOfCore: figures.reduce((sum, p) => sum + p.pctOfCore, 0),
    processes: figures,
  };
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
