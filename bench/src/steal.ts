import { readFileSync } from 'node:fs';

/** The machine's CPU time so far, all cores, in clock ticks: all of it, and what the hypervisor took. */
interface CpuTicks {
  total: number;
  steal: number;
}

function readTicks(): CpuTicks | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    // cpu user nice system idle iowait irq softirq steal guest guest_nice
    const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
    if (fields.length < 8 || fields.some((f) => !Number.isFinite(f))) return undefined;
    return { total: fields.reduce((sum, f) => sum + f, 0), steal: fields[7]! };
  } catch {
    return undefined;
  }
}

/**
 * Steal time: the share of the machine's CPU time the hypervisor gave to other guests while this
 * one wanted it. On a shared virtual machine it can take a third of the cores in the middle of a
 * run, and every figure measured meanwhile is that much worse: the report says how much it was.
 * Undefined where /proc/stat is not there.
 */
export function startStealWindow(): { stop(): number | undefined } {
  const before = readTicks();
  return {
    stop: () => {
      const after = readTicks();
      if (!before || !after || after.total <= before.total) return undefined;
      return (100 * (after.steal - before.steal)) / (after.total - before.total);
    },
  };
}
