import { readCpuMs, readMachineCpu } from '../cpu.js';
import type { WatchedProcess } from '../measure.js';
import { fmt } from '../report.js';

/** What each process spent over a window, as % of one core (100: one core busy throughout). */
export interface ProcessCpu {
  name: string;
  cpuMs: number;
  pctOfCore: number;
}

/** The name of the last entry: the machine's busy time that none of the watched processes used. */
export const OTHERS = 'others on the machine';

/**
 * Starts counting the processes' CPU now (and this one's: it reads the streams and sends the
 * pushes); `stop` answers each one's share of the window, then everyone else's, from the
 * machine's counters less interrupts. A store at 100% of a core is the bottleneck, whatever the
 * rest do; others busy beside the run say how far to trust it on a shared machine.
 */
export function startCpuWindow(processes: readonly WatchedProcess[]): { stop(): ProcessCpu[] } {
  const watched = [...processes, { name: 'bench', pid: process.pid }];
  const started = performance.now();
  const machineBefore = readMachineCpu();
  const before = watched.map((p) => readCpuMs(p.pid));
  return {
    stop() {
      const wallMs = performance.now() - started;
      const machineAfter = readMachineCpu();
      const figures = watched.map((p, i) => {
        const cpuMs = (readCpuMs(p.pid) ?? Number.NaN) - (before[i] ?? Number.NaN);
        return { name: p.name, cpuMs, pctOfCore: (100 * cpuMs) / wallMs };
      });
      const ours = figures.reduce((sum, p) => sum + (Number.isFinite(p.cpuMs) ? p.cpuMs : 0), 0);
      const busy =
        machineBefore && machineAfter
          ? machineAfter.busyMs - machineBefore.busyMs - (machineAfter.irqMs - machineBefore.irqMs)
          : Number.NaN;
      const othersMs = Math.max(0, busy - ours);
      return [...figures, { name: OTHERS, cpuMs: othersMs, pctOfCore: (100 * othersMs) / wallMs }];
    },
  };
}

/** `<what>, % of one core: gateway 2, ferretdb 98, …`: one line under a suite's tables. */
export function renderCpuLine(what: string, cpu: readonly ProcessCpu[]): string {
  return `CPU ${what}, % of one core: ${cpu.map((p) => `${p.name} ${fmt(p.pctOfCore)}`).join(', ')}`;
}
