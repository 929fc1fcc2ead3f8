import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux we run on, asked once anyway. */
const TICKS_PER_S = (() => {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time a process has used so far (user + system, all its threads), in milliseconds; undefined
 * once it is gone. Read from outside, so it works the same for Node and for nats-server.
 */
export function readCpuMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its end.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, so 11 and 12 after the name.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_S : undefined;
}

export interface MachineCpu {
  /** CPU time spent on anything, all cores together, ms. */
  busyMs: number;
  /** The part of busyMs spent in interrupts, mostly the loopback network traffic of the run itself. */
  irqMs: number;
  /** Busy plus idle, all cores together, ms. */
  totalMs: number;
}

/**
 * The whole machine's CPU counters from /proc/stat. Busy time minus interrupts minus what our
 * processes did is everyone else's: on a shared machine it says how far to trust a run.
 */
export function readMachineCpu(): MachineCpu | undefined {
  let stat: string;
  try {
    stat = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  // cpu user nice system idle iowait irq softirq steal ...
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = (
    /^cpu\s+(.*)$/m.exec(stat)?.[1] ?? ''
  )
    .split(/\s+/)
    .map(Number);
  const ms = (ticks: number) => (ticks * 1000) / TICKS_PER_S;
  const busy = user + nice + system + irq + softirq + steal;
  return { busyMs: ms(busy), irqMs: ms(irq + softirq), totalMs: ms(busy + idle + iowait) };
}
