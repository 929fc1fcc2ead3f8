import { type MachineCpu, readCpuMs, readMachineCpu } from './cpu.js';
import { drive, type Headers, type LoadOptions, warmUp } from './load.js';
import { sampleRss } from './rss.js';
import type { ProcessFigures, Run } from './suite.js';

export interface WatchedProcess {
  name: string;
  pid: number;
}

const MB = 1024;

/**
 * Warms a target up, then drives it while watching the given server processes (and this one, the
 * load generator): peak RSS, and CPU time between the start and the end of the measured run.
 * Non-2xx responses and errors in the figures are the caller's to judge.
 */
export async function measure(
  target: string,
  url: string,
  servers: readonly WatchedProcess[],
  options: LoadOptions,
  headers: Headers = {},
): Promise<Run> {
  await warmUp(url, options, headers);
  const watched = [...servers, { name: 'load generator (bench)', pid: process.pid }];
  const pids = watched.map((p) => p.pid);
  const machineBefore = readMachineCpu();
  const cpuBefore = pids.map(readCpuMs);
  const sampler = sampleRss(pids);
  const started = performance.now();
  const load = await drive(url, options, headers);
  const wallMs = performance.now() - started;
  const peaks = sampler.stop();
  const cpuAfter = pids.map(readCpuMs);
  const machineAfter = readMachineCpu();

  const processes: ProcessFigures[] = watched.map(({ name, pid }, i) => {
    const peak = peaks.get(pid);
    const cpuMs = (cpuAfter[i] ?? Number.NaN) - (cpuBefore[i] ?? Number.NaN);
    return {
      name,
      pid,
      loadGenerator: pid === process.pid,
      peakRssMb: (peak?.peakRssKb ?? Number.NaN) / MB,
      hwmMb: (peak?.hwmKb ?? Number.NaN) / MB,
      cpuMs,
      cpuMsPerRequest: cpuMs / load.requests,
      cpuPctOfCore: (100 * cpuMs) / wallMs,
    };
  });
  const serverCpuMs = processes.filter((p) => !p.loadGenerator).reduce((sum, p) => sum + p.cpuMs, 0);
  const oursMs = processes.reduce((sum, p) => sum + p.cpuMs, 0);
  const machine = (field: keyof MachineCpu) =>
    (machineAfter?.[field] ?? Number.NaN) - (machineBefore?.[field] ?? Number.NaN);
  const [busyMs, irqMs, totalMs] = [machine('busyMs'), machine('irqMs'), machine('totalMs')];
  return {
    target,
    ...load,
    serverCpuMsPerRequest: serverCpuMs / load.requests,
    machineBusyPct: (100 * busyMs) / totalMs,
    irqCpuMs: irqMs,
    otherCpuMs: Math.max(0, busyMs - irqMs - oursMs),
    processes,
  };
}

/** What a run did wrong, as sentences: a benchmark of failing requests measures nothing. */
export function runErrors(run: Run): string[] {
  const errors: string[] = [];
  if (run.requests === 0) errors.push(`${run.target}: no responses at all`);
  if (run.non2xx > 0)
    errors.push(`${run.target}: ${run.non2xx} non-2xx responses ${JSON.stringify(run.statusCodes)}`);
  if (run.errors > 0) errors.push(`${run.target}: ${run.errors} errors (${run.timeouts} of them timeouts)`);
  return errors;
}
