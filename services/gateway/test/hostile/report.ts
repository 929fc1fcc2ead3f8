import type { Case } from './case.js';
import type { Outcome } from './sweep.js';
import { show } from './values.js';

/**
 * The failure report: each failing case with its route, field, value (escaped), caller and
 * answer, grouped by what went wrong, and the seed that reproduces the sweep.
 */
const SHOWN_PER_GROUP = 25;

export const rerunHint = (seed: number) =>
  `rerun: HOSTILE_SEED=${seed} npx vitest run services/gateway/test/hostile/input.test.ts`;

export function describeCase(c: Case): string {
  return `${c.route} | ${c.field} = ${c.valueName} ${show(c.value)} | as ${c.caller} | must ${c.expect}`;
}

/**
 * The examples worth reading first: one per distinct answer (digits, quoted text and the path
 * blurred), then one per route and field, then the rest.
 */
function varied(group: readonly Outcome[]): Outcome[] {
  const firsts: Outcome[] = [];
  const seconds: Outcome[] = [];
  const answers = new Set<string>();
  const places = new Set<string>();
  for (const o of group) {
    const answer = o
      .problem!.detail.replace(/"request":"[^"]*"/g, '')
      .replace(/'[^']*'|\d+/g, '#')
      .slice(0, 120);
    const place = `${o.case.route} | ${o.case.field}`;
    if (!answers.has(answer)) firsts.push(o);
    else if (!places.has(place)) seconds.push(o);
    answers.add(answer);
    places.add(place);
  }
  const shown = new Set([...firsts, ...seconds]);
  return [...firsts, ...seconds, ...group.filter((o) => !shown.has(o))];
}

/** Failing outcomes grouped by problem, then counted by route and field, then listed. */
export function problemReport(
  failing: readonly Outcome[],
  total: number,
  seed: number,
  title: string,
): string {
  if (failing.length === 0) return '';
  const byKind = new Map<string, Outcome[]>();
  for (const o of failing) byKind.set(o.problem!.kind, [...(byKind.get(o.problem!.kind) ?? []), o]);
  const lines = [`${title}: ${failing.length} of ${total} requests failed (seed ${seed})`];
  for (const [kind, group] of byKind) {
    lines.push('', `== ${kind}: ${group.length}`);
    const counts = new Map<string, number>();
    for (const o of group) {
      const where = `${o.case.route} | ${o.case.field}`;
      counts.set(where, (counts.get(where) ?? 0) + 1);
    }
    for (const [where, n] of [...counts].sort()) lines.push(`   ${String(n).padStart(4)} × ${where}`);
    for (const o of varied(group).slice(0, SHOWN_PER_GROUP))
      lines.push(`  - ${describeCase(o.case)}\n      → ${o.problem!.detail}`);
    if (group.length > SHOWN_PER_GROUP) lines.push(`  … and ${group.length - SHOWN_PER_GROUP} more`);
  }
  lines.push('', rerunHint(seed));
  return lines.join('\n');
}

export interface Death {
  service: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
  /** Cases in flight when it died. */
  inFlight: Case[];
  /** Its last lines that were not JSON log lines, read a moment after it died: the crash. */
  crash: string[];
}

/** Grouped by what kills: each request that killed a process when replayed alone, then the rest. */
export function deathReport(
  deaths: readonly Death[],
  culprits: ReadonlyMap<Case, readonly string[]>,
  unexplained: readonly Case[],
  seed: number,
): string {
  if (deaths.length === 0) return '';
  const perService = new Map<string, number>();
  for (const d of deaths) perService.set(d.service, (perService.get(d.service) ?? 0) + 1);
  const counts = [...perService].map(([service, n]) => `${service} ${n}`).join(', ');
  const lines = [`${deaths.length} process death(s) during the sweep: ${counts} (seed ${seed})`];
  if (culprits.size > 0) {
    lines.push('', `== ${culprits.size} request(s) that kill a process, each replayed alone:`);
    for (const [c, killed] of culprits) lines.push(`  - kills ${killed.join(', ')}: ${describeCase(c)}`);
  }
  if (unexplained.length > 0) {
    lines.push(
      '',
      '== in flight at a death and answered with a 5xx (or not at all), but harmless when replayed alone or not replayed:',
    );
    for (const c of unexplained.slice(0, SHOWN_PER_GROUP)) lines.push(`  - ${describeCase(c)}`);
  }
  const shown = new Set<string>();
  for (const d of deaths) {
    if (shown.has(d.service)) continue;
    shown.add(d.service);
    const how = d.signal ? `signal ${d.signal}` : `code ${d.code}`;
    lines.push('', `== ${d.service} exited (${how}); its last words:`, ...d.crash.map((l) => `      ${l}`));
  }
  lines.push('', rerunHint(seed));
  return lines.join('\n');
}
