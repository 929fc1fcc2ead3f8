import { fmt } from '../report.js';
import { renderTable } from '../table.js';
import type { RouteFigures, StoreFigures } from './measure-store.js';
import { deliveriesOf, pushesOf, type VolumePlan } from './plan.js';
import type { SeededStore } from './seed.js';

const ms = (value: number) => fmt(value, value < 10 ? 2 : 1);
const ratio = (volume: number, empty: number) => (empty > 0 ? `${(volume / empty).toFixed(1)}×` : 'n/a');

/** What each store held when it was measured. */
export function renderStores(empty: VolumePlan, volume: VolumePlan, classesWithoutHistory: number): string {
  const row = (what: string, of: (plan: VolumePlan) => number) => [what, fmt(of(empty)), fmt(of(volume))];
  return renderTable(
    ['store holds', 'empty', 'volume'],
    [
      row('directory users', (p) => p.users),
      row('classes pushed every school day', (p) => p.classes),
      row('students in them', (p) => p.students),
      ['classes without history (measured pushes)', fmt(classesWithoutHistory), fmt(classesWithoutHistory)],
      row('school days of history', (p) => p.days),
      row('push records', pushesOf),
      row('deliveries', deliveriesOf),
      row('groups', (p) => p.groups),
      row('group members', (p) => p.members),
    ],
  );
}

/** How long seeding the volume store took, phase by phase, and per 1% of the full scale. */
export function renderSeeding(seeded: SeededStore, plan: VolumePlan): string {
  const rows = seeded.phases.map((p) => [
    p.name,
    fmt(p.count),
    fmt(p.ms / 1_000, 1),
    fmt(p.count / (p.ms / 1_000)),
  ]);
  rows.push(['all', '', fmt(seeded.totalMs / 1_000, 1), '']);
  // Counts set on their own make the store no given share of the full one.
  if (plan.custom.length === 0) {
    rows.push(['all, per 1% of the full scale', '', fmt(seeded.totalMs / 1_000 / (plan.scale * 100), 1), '']);
  }
  return renderTable(['seeding phase', 'count', 's', 'per s'], rows, ['left', 'right', 'right', 'right']);
}

/** The read routes: latency on the empty store next to the volume store's. */
export function renderReads(empty: StoreFigures, volume: StoreFigures): string {
  return renderTable(
    [
      'read route',
      'path',
      'p50 empty',
      'p99 empty',
      'p50 volume',
      'p99 volume',
      'p99 ×',
      'req/s empty',
      'req/s volume',
      'non-2xx empty',
      'non-2xx volume',
    ],
    empty.reads.map((e, i) => {
      const v = volume.reads[i]!;
      return [
        e.name,
        e.path,
        ms(e.p50Ms),
        ms(e.p99Ms),
        ms(v.p50Ms),
        ms(v.p99Ms),
        ratio(v.p99Ms, e.p99Ms),
        fmt(e.ratePerS),
        fmt(v.ratePerS),
        fmt(e.non2xx),
        fmt(v.non2xx),
      ];
    }),
    ['left', 'left'],
  );
}

/** The write routes: rate, latency and server errors on both stores. */
export function renderWrites(empty: StoreFigures, volume: StoreFigures): string {
  return renderTable(
    ['write route', 'callers', 'answers', 'rate/s', 'p50 ms', 'p99 ms', '5xx', 'store'],
    empty.writes.flatMap((e, i) => {
      const v = volume.writes[i];
      const row = (f: RouteFigures, store: string) => [
        f.name,
        fmt(f.connections),
        fmt(f.requests),
        fmt(f.ratePerS),
        ms(f.p50Ms),
        ms(f.p99Ms),
        fmt(f.status5xx),
        store,
      ];
      const left = [e.name, fmt(e.connections), 'not measured', '', '', '', '', 'volume'];
      return [row(e, 'empty'), v ? row(v, 'volume') : left];
    }),
    ['left'],
  );
}

/** The measured pushes' fan-outs, which ran while pushes were answered. */
export function renderFanout(empty: StoreFigures, volume: StoreFigures): string {
  return renderTable(
    [
      'fan-out of the measured pushes',
      'pushes',
      'deliveries',
      'first push → last delivery s',
      'deliveries/s',
      'dead letters',
    ],
    [empty, volume].map(({ store, fanout }) =>
      fanout
        ? [
            store,
            fmt(fanout.pushes),
            fmt(fanout.deliveries),
            fmt(fanout.ms / 1_000, 1),
            fmt(fanout.deliveries / (fanout.ms / 1_000)),
            fmt(fanout.deadLetters),
          ]
        : [store, 'not measured', '', '', '', ''],
    ),
    ['left'],
  );
}

/** Idle CPU, each process and the sum, as % of one core. */
export function renderIdle(empty: StoreFigures, volume: StoreFigures): string {
  const names = [...new Set([...empty.idle.processes, ...volume.idle.processes].map((p) => p.name))];
  const pct = (f: StoreFigures, name: string) =>
    fmt(f.idle.processes.find((p) => p.name === name)?.pctOfCore ?? Number.NaN, 2);
  const rows = names.map((name) => [name, pct(empty, name), pct(volume, name)]);
  rows.push(['whole stack', fmt(empty.idle.totalPctOfCore, 2), fmt(volume.idle.totalPctOfCore, 2)]);
  return renderTable(
    [`idle CPU, % of one core (${fmt(volume.idle.seconds)} s, no requests)`, 'empty', 'volume'],
    rows,
    ['left'],
  );
}

/**
 * Answers of a store's runs whose status `counts` (5xx: findings; 4xx: the bench asked wrongly),
 * and runs with requests left unanswered, as sentences.
 */
export function statusNotes(figures: StoreFigures, counts: (status: string) => boolean): string[] {
  return [...figures.reads, ...figures.writes].flatMap((r) => {
    const codes = Object.entries(r.statusCodes).filter(([code]) => counts(code));
    const unanswered = counts('none') && r.errors > 0;
    if (codes.length === 0 && !unanswered) return [];
    const parts = codes.map(([code, n]) => `${fmt(n)} × ${code}`);
    if (unanswered) parts.push(`${fmt(r.errors)} without an answer (${fmt(r.timeouts)} timeouts)`);
    return [`${figures.store} store, ${r.name} (${r.path}): ${parts.join(', ')} of ${fmt(r.requests)}`];
  });
}

export const serverErrors = (status: string) => status === 'none' || status.startsWith('5');
export const clientErrors = (status: string) => status.startsWith('4');

/**
 * Each process's CPU during each measured run on the volume store (% of one core; the machine has
 * `cores` of them): where a route's time goes, and which process a faster route would need.
 */
export function renderRunCpu(volume: StoreFigures): string {
  const runs = [...volume.reads, ...volume.writes];
  const names = [...new Set(runs.flatMap((r) => r.cpu.processes.map((p) => p.name)))];
  return renderTable(
    ['CPU during the run, % of one core (volume store)', ...names, 'all'],
    runs.map((r) => [
      r.name,
      ...names.map((name) => fmt(r.cpu.processes.find((p) => p.name === name)?.pctOfCore ?? Number.NaN, 0)),
      fmt(r.cpu.totalPctOfCore, 0),
    ]),
    ['left'],
  );
}
