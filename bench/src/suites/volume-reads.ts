import { newAuthSecret } from '@im/testkit';
import { fmt } from '../report.js';
import type { Suite, SuiteResult } from '../suite.js';
import { renderTable } from '../table.js';
import { openKeptStore } from '../volume/kept-store.js';
import { measureStore, type RouteFigures } from '../volume/measure-store.js';
import { volumePlanFromEnv } from '../volume/plan.js';
import { clientErrors, serverErrors, statusNotes } from '../volume/render.js';
import { classRosters } from '../volume/school.js';
import { withServers } from '../volume/servers.js';
import { startVolumeStack } from '../volume/stack.js';

/**
 * The read routes alone on a kept volume store (`npm run bench -- volume-reads`, with
 * VOLUME_STORE_DIR seeded by `VOLUME_SEED_ONLY=1 ... volume`): a freshly started stack, its idle
 * CPU, then each read route as the volume suite drives it, with the CPU each process spent per
 * answer. Nothing is written, so a kept store can be measured as often as wanted (of another
 * commit, say) in a few minutes, where the whole volume suite takes half an hour.
 * VOLUME_READS=`inbox page,contacts` runs only the routes named (as the table names them); a
 * name that is not a route's stops the run and lists the routes.
 */
export const volumeReads: Suite = {
  name: 'volume-reads',
  async run({ progress }): Promise<SuiteResult> {
    const plan = volumePlanFromEnv();
    const dir = process.env.VOLUME_STORE_DIR;
    if (!dir) throw new Error('volume-reads needs VOLUME_STORE_DIR: a store the volume suite seeded');
    const kept = openKeptStore(dir, plan);
    if (!kept.seeded)
      throw new Error(`VOLUME_STORE_DIR ${dir}: not seeded yet (VOLUME_SEED_ONLY=1 ... volume)`);
    const seeded = kept.seeded;
    const rosters = classRosters(plan);
    const only = process.env.VOLUME_READS?.split(',').map((name) => name.trim());
    const figures = await withServers(async (servers, bus) => {
      const running = await startVolumeStack(servers, newAuthSecret(), 'full');
      try {
        const view = { plan, rosters, groupIds: [...seeded.groupIds] };
        return await measureStore('volume', running, view, bus.jsm, progress, {
          writes: false,
          ...(only ? { reads: only } : {}),
        });
      } finally {
        await running.stop();
      }
    }, dir);
    return {
      suite: 'volume-reads',
      title: `kept store ${dir}, scale ${[plan.scale, ...plan.custom].join(', ')}; reads at ${plan.readConnections} callers, ${plan.durationS} s each after a ${plan.warmupS} s warm-up`,
      runs: [],
      checks: [],
      notes: [
        `idle: ${fmt(figures.idle.totalPctOfCore, 2)}% of one core (${fmt(figures.idle.seconds, 0)} s)`,
        ...statusNotes(figures, serverErrors),
      ],
      sections: [renderReadCosts(figures.reads)],
      figures,
      errors: statusNotes(figures, clientErrors),
    };
  },
};

/** Each read route's latency and rate, and each process's CPU per answer (ms). */
function renderReadCosts(reads: readonly RouteFigures[]): string {
  const names = [...new Set(reads.flatMap((r) => r.cpu.processes.map((p) => p.name)))];
  const perAnswer = (pct: number, r: RouteFigures) => (10 * pct) / r.ratePerS;
  return renderTable(
    [
      'read route',
      'p50 ms',
      'p99 ms',
      'req/s',
      'non-2xx',
      ...names.map((n) => `${n} ms/answer`),
      'all ms/answer',
      'CPU % of one core',
    ],
    reads.map((r) => [
      r.name,
      fmt(r.p50Ms, 1),
      fmt(r.p99Ms, 1),
      fmt(r.ratePerS),
      fmt(r.non2xx),
      ...names.map((n) =>
        fmt(perAnswer(r.cpu.processes.find((p) => p.name === n)?.pctOfCore ?? Number.NaN, r), 2),
      ),
      fmt(perAnswer(r.cpu.totalPctOfCore, r), 2),
      fmt(r.cpu.totalPctOfCore, 0),
    ]),
    ['left'],
  );
}
