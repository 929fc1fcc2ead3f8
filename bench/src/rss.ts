import { readFileSync } from 'node:fs';

export interface Memory {
  /** Resident set size now, in kB. */
  rssKb: number;
  /** High-water mark: the largest RSS the process has had since it started, in kB. */
  hwmKb: number;
}

export interface RssPeak extends Memory {
  /** Largest RSS seen by our sampling during the run (VmHWM may be higher: start-up included). */
  peakRssKb: number;
  samples: number;
}

/** VmRSS and VmHWM from /proc/<pid>/status; undefined once the process is gone. */
export function readMemory(pid: number): Memory | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
}

/**
 * Samples the RSS of each process every `intervalMs` until stopped. The kernel's VmHWM gives the
 * exact peak; the samples tell whether that peak happened under load or at start-up.
 */
export function sampleRss(pids: readonly number[], intervalMs = 100): { stop(): Map<number, RssPeak> } {
  const peaks = new Map<number, RssPeak>();
  const sample = () => {
    for (const pid of pids) {
      const memory = readMemory(pid);
      if (!memory) continue;
      const peak = peaks.get(pid);
      peaks.set(pid, {
        ...memory,
        peakRssKb: Math.max(peak?.peakRssKb ?? 0, memory.rssKb),
        samples: (peak?.samples ?? 0) + 1,
      });
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peaks;
    },
  };
}
