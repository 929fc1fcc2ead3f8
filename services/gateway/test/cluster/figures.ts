import type { Outcome } from './load.js';

/** One fault as the test ran it: injected at `at`, undone at `healedAt`, its phase over at `endAt`. */
export interface FaultWindow {
  name: string;
  at: number;
  healedAt: number;
  endAt: number;
}

export const failed = (outcome: Outcome): boolean => outcome.status === 0 || outcome.status >= 500;

export interface FaultFigures {
  name: string;
  requests: number;
  failed: number;
  /** `504 × 3, no answer × 1`. */
  byStatus: string;
  /**
   * How long requests failed: from the start of the phase's first failed request to the end of
   * its last (a request lost with a killed copy counts its whole wait for the 504); 0 when none.
   */
  servingAgainMs: number;
}

/** Each request belongs to the phase during which it started. */
export function faultFigures(outcomes: readonly Outcome[], window: FaultWindow): FaultFigures {
  const mine = outcomes.filter((o) => o.startedAt >= window.at && o.startedAt < window.endAt);
  const bad = mine.filter(failed);
  const statuses = new Map<string, number>();
  for (const o of bad) {
    const key = o.status === 0 ? `no answer (${o.error})` : String(o.status);
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
  }
  const firstBad = Math.min(...bad.map((o) => o.startedAt));
  const lastBad = Math.max(...bad.map((o) => o.endedAt));
  return {
    name: window.name,
    requests: mine.length,
    failed: bad.length,
    byStatus: [...statuses].map(([status, n]) => `${status} × ${n}`).join(', ') || '—',
    servingAgainMs: bad.length > 0 ? lastBad - firstBad : 0,
  };
}

/** The table the test prints, one row per fault, then the whole run. */
export function figuresTable(outcomes: readonly Outcome[], windows: readonly FaultWindow[]): string {
  const rows = windows.map((w) => faultFigures(outcomes, w));
  // Requests that started between two phases or after the last one (the load winding down).
  const inSome = (o: Outcome) => windows.some((w) => o.startedAt >= w.at && o.startedAt < w.endAt);
  const rest = outcomes.filter((o) => !inSome(o));
  rows.push(
    faultFigures(rest, { name: 'between and after the faults', at: 0, healedAt: 0, endAt: Infinity }),
  );
  const total = outcomes.length;
  const bad = outcomes.filter(failed).length;
  const lines = [
    '| fault | requests | failed | failed by status | failing for |',
    '| --- | ---: | ---: | --- | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.requests} | ${r.failed} | ${r.byStatus} | ${(r.servingAgainMs / 1000).toFixed(1)} s |`,
    ),
    `| whole run | ${total} | ${bad} (${((100 * bad) / Math.max(1, total)).toFixed(2)}%) | | |`,
  ];
  const failures = outcomes.filter(failed).slice(0, 20);
  for (const o of failures) {
    lines.push(
      `  ${new Date(o.startedAt).toISOString()} ${o.kind} via gateway ${o.gateway + 1}: ${o.status || o.error} ${o.detail ?? ''}`,
    );
  }
  return lines.join('\n');
}

/** `push 52, group_create 480, …`: how much the audit had to check. */
export function successesByKind(outcomes: readonly Outcome[]): string {
  const counts = new Map<string, number>();
  for (const o of outcomes)
    if (o.status >= 200 && o.status < 300) counts.set(o.kind, (counts.get(o.kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => `${kind} ${n}`).join(', ');
}
