import type { LoadOptions } from './load.js';
import type { SuiteResult } from './suite.js';
import { renderTable } from './table.js';

/** Figures as people read them: `n/a` rather than NaN, thousands grouped, fixed decimals. */
export function fmt(value: number, decimals = 0): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** One suite's section of the report: throughput, per-process cost, then the targets. */
export function renderSuite(result: SuiteResult, load: LoadOptions): string {
  const title = `== ${result.suite} == (${result.title ?? `${load.connections} connections, ${load.durationS} s measured after a ${load.warmupS} s warm-up`})`;
  const runs = renderTable(
    [
      'target',
      'req/s',
      'p50 ms',
      'p99 ms',
      'responses',
      'non-2xx',
      'errors',
      'server CPU ms/req',
      'machine busy %',
      'irq CPU ms',
      'others CPU ms',
    ],
    result.runs.map((r) => [
      r.target,
      fmt(r.rps),
      fmt(r.p50Ms, 2),
      fmt(r.p99Ms, 2),
      fmt(r.requests),
      fmt(r.non2xx),
      fmt(r.errors),
      fmt(r.serverCpuMsPerRequest, 3),
      fmt(r.machineBusyPct),
      fmt(r.irqCpuMs),
      fmt(r.otherCpuMs),
    ]),
  );
  const processes = renderTable(
    ['target', 'process', 'pid', 'peak RSS MB (run)', 'VmHWM MB', 'CPU ms', 'CPU ms/req', 'CPU % of 1 core'],
    result.runs.flatMap((r) =>
      r.processes.map((p) => [
        r.target,
        p.name,
        String(p.pid),
        fmt(p.peakRssMb, 1),
        fmt(p.hwmMb, 1),
        fmt(p.cpuMs),
        fmt(p.cpuMsPerRequest, 3),
        fmt(p.cpuPctOfCore),
      ]),
    ),
  );
  const checks = renderTable(
    ['check', 'value', 'goal', 'mark'],
    result.checks.map((c) => [c.name, c.value, c.goal, c.pass ? 'PASS' : 'MISS']),
    ['left', 'right', 'left', 'left'],
  );
  const errors = result.errors.length > 0 ? `\nERRORS\n${result.errors.map((e) => `  ${e}`).join('\n')}` : '';
  const notes = (result.notes ?? []).map((note) => `\nnote: ${note}`).join('');
  // Only the parts a suite has: a suite with tables of its own may have no runs or no checks.
  const parts = [
    ...(result.runs.length > 0 ? [runs, processes] : []),
    ...(result.sections ?? []),
    ...(result.checks.length > 0 ? [checks] : []),
  ];
  return `${title}${notes}\n\n${parts.join('\n\n')}${errors}\n`;
}
