import { newAuthSecret } from '@im/testkit';
import { fmt } from '../report.js';
import type { Suite, SuiteResult } from '../suite.js';
import { type KeptStore, openKeptStore, pushDay, saveKeptStore } from '../volume/kept-store.js';
import { measureStore, type StoreFigures } from '../volume/measure-store.js';
import { deliveriesOf, emptyPlan, pushesOf, type VolumePlan, volumePlanFromEnv } from '../volume/plan.js';
import {
  clientErrors,
  renderFanout,
  renderIdle,
  renderReads,
  renderRunCpu,
  renderSeeding,
  renderStores,
  renderWrites,
  serverErrors,
  statusNotes,
} from '../volume/render.js';
import { type ClassRoster, classRosters } from '../volume/school.js';
import { type SeedContext, type SeededStore, seedStore } from '../volume/seed.js';
import { startSeedingBroadcast } from '../volume/seeding-broadcast.js';
import { type BenchBus, type VolumeServers, withServers } from '../volume/servers.js';
import { startVolumeStack, type VolumeStack } from '../volume/stack.js';

/**
 * The routes on a school year's data (`npm run bench -- volume`). First on a fresh empty store
 * (the same classes, no history, the few users and groups the routes need), then on fresh
 * servers seeded through the services' own write paths with one large school's year (see
 * volume/plan.ts; VOLUME_SCALE=0.01 for a quick run), each measured the same way on a freshly
 * started stack: idle CPU, the read routes at 50 callers, the write routes at 10.
 *
 * VOLUME_STORE_DIR keeps the volume store in a folder: seeded there on the first run, measured
 * again without seeding on the next (kept-store.ts). VOLUME_SEED_ONLY=1 seeds it and stops.
 */
export const volume: Suite = {
  name: 'volume',
  async run({ progress }): Promise<SuiteResult> {
    const plan = volumePlanFromEnv();
    const empty = emptyPlan(plan);
    const rosters = classRosters(plan);
    const authSecret = newAuthSecret();
    const errors: string[] = [];
    const keptDir = process.env.VOLUME_STORE_DIR || undefined;
    const kept = keptDir ? openKeptStore(keptDir, plan) : undefined;
    const seedOnly = process.env.VOLUME_SEED_ONLY === '1';
    if (seedOnly && !kept)
      throw new Error('VOLUME_SEED_ONLY=1 needs VOLUME_STORE_DIR (where the seeded store is kept)');
    progress(
      `scale ${[plan.scale, ...plan.custom].join(', ')}: ${fmt(deliveriesOf(plan))} deliveries, ${fmt(pushesOf(plan))} pushes (${plan.classes} classes × ${plan.days} days), ${fmt(plan.groups)} groups, ${fmt(plan.members)} members, ${fmt(plan.users)} users`,
    );

    if (seedOnly) return seedKept(kept!, plan, authSecret, rosters, progress, errors);

    progress('empty store: fresh servers and stack');
    const emptyFigures = await withServers(async (servers, bus) => {
      const running = await startVolumeStack(servers, authSecret, 'full');
      try {
        const seeded = await seedStore(context(running, servers, bus, progress), empty, rosters);
        return await measureStore(
          'empty',
          running,
          { plan: empty, rosters, groupIds: seeded.groupIds },
          bus.jsm,
          progress,
        );
      } finally {
        await stopChecked(running, 'empty store', errors);
      }
    });

    const { seeded, volumeFigures } = await withServers(async (servers, bus) => {
      const seeded = await seededStore(kept, servers, bus, authSecret, plan, rosters, progress, errors);
      progress('volume store: seeded; starting the whole stack');
      const running = await startVolumeStack(servers, authSecret, 'full');
      try {
        const view = { plan, rosters, groupIds: [...seeded.groupIds] };
        const today = pushDay();
        const push = !kept?.pushedOn.includes(today);
        const figures = await measureStore('volume', running, view, bus.jsm, progress, { pushes: push });
        if (kept && push) await saveKeptStore({ ...kept, seeded, pushedOn: [...kept.pushedOn, today] }, plan);
        return { seeded, volumeFigures: figures };
      } finally {
        await stopChecked(running, 'volume store', errors);
      }
    }, keptDir);

    // A 4xx means the bench asked wrongly (a bad path, the wrong caller): its figures measure nothing.
    for (const figures of [emptyFigures, volumeFigures]) errors.push(...statusNotes(figures, clientErrors));
    return result(plan, empty, rosters, seeded, emptyFigures, volumeFigures, errors);
  },
};

/** The volume store: seeded now on fresh servers, or the kept one's record when it is seeded. */
async function seededStore(
  kept: KeptStore | undefined,
  servers: VolumeServers,
  bus: BenchBus,
  authSecret: string,
  plan: VolumePlan,
  rosters: readonly ClassRoster[],
  progress: (message: string) => void,
  errors: string[],
): Promise<SeededStore> {
  if (kept?.seeded) {
    progress(`volume store: kept in ${kept.dir}, seeded already`);
    return kept.seeded;
  }
  progress('volume store: fresh servers, seeding stack (no broadcast process: the seeding runs its own)');
  const seeded = await seedVolume(servers, bus, authSecret, plan, rosters, progress, errors);
  if (kept) await saveKeptStore({ ...kept, seeded }, plan);
  return seeded;
}

/** VOLUME_SEED_ONLY=1: the kept store seeded (unless it is already), nothing measured. */
async function seedKept(
  kept: KeptStore,
  plan: VolumePlan,
  authSecret: string,
  rosters: readonly ClassRoster[],
  progress: (message: string) => void,
  errors: string[],
): Promise<SuiteResult> {
  const seeded = await withServers(
    (servers, bus) => seededStore(kept, servers, bus, authSecret, plan, rosters, progress, errors),
    kept.dir,
  );
  const { groupIds: _ids, ...seeding } = seeded;
  return {
    suite: 'volume',
    title: `scale ${[plan.scale, ...plan.custom].join(', ')}: seeded into ${kept.dir}, nothing measured (VOLUME_SEED_ONLY=1)`,
    runs: [],
    checks: [],
    sections: [renderSeeding(seeded, plan)],
    figures: { plan, seeding },
    errors,
  };
}

async function seedVolume(
  servers: VolumeServers,
  bus: BenchBus,
  authSecret: string,
  plan: VolumePlan,
  rosters: readonly ClassRoster[],
  progress: (message: string) => void,
  errors: string[],
): Promise<SeededStore> {
  const seeding = await startVolumeStack(servers, authSecret, 'seeding');
  try {
    const broadcast = await startSeedingBroadcast(bus.nc, servers.mongoUrl);
    try {
      return await seedStore(context(seeding, servers, bus, progress), plan, rosters, broadcast);
    } finally {
      await broadcast.stop();
    }
  } finally {
    await stopChecked(seeding, 'seeding stack', errors);
  }
}

function context(
  running: VolumeStack,
  servers: VolumeServers,
  bus: BenchBus,
  tell: (message: string) => void,
): SeedContext {
  const serviceToken = running.stack.token(
    { sub: 'bench-directory', role: 'service' },
    { expiresInS: 12 * 3_600 },
  );
  return {
    gatewayUrl: running.stack.gatewayUrl,
    serviceToken,
    mongoUrl: servers.mongoUrl,
    jsm: bus.jsm,
    tell,
  };
}

/** A service that died on its own voids the figures of its stack. */
async function stopChecked(running: VolumeStack, what: string, errors: string[]): Promise<void> {
  errors.push(...running.crashes.map((crash) => `${what}: ${crash}`));
  await running.stop();
}

function result(
  plan: VolumePlan,
  empty: VolumePlan,
  rosters: readonly ClassRoster[],
  seeded: SeededStore,
  emptyFigures: StoreFigures,
  volumeFigures: StoreFigures,
  errors: string[],
): SuiteResult {
  const withoutHistory = rosters.filter((r) => !r.seeded).length;
  const { groupIds: _ids, ...seeding } = seeded;
  return {
    suite: 'volume',
    title: `scale ${[plan.scale, ...plan.custom].join(', ')}; reads at ${plan.readConnections} callers, writes at ${plan.writeConnections}, ${plan.durationS} s each after a ${plan.warmupS} s warm-up; pushes one per class`,
    runs: [],
    checks: [],
    notes: [
      "each request is another caller and another class or group drawn from the store; latency counts every answer, errors included; 'inbox count' is the inbox's smallest page (per_page=1), whose cost is mostly its total_count: there is no count-only route",
      ...(Object.keys(seeded.retried).length > 0
        ? [
            `seeding retried ${Object.entries(seeded.retried)
              .map(([code, n]) => `${fmt(n)} × ${code}`)
              .join(', ')} (creates carry an Idempotency-Key)`,
          ]
        : []),
      ...statusNotes(emptyFigures, serverErrors),
      ...statusNotes(volumeFigures, serverErrors),
    ],
    sections: [
      renderStores(empty, plan, withoutHistory),
      renderSeeding(seeded, plan),
      renderIdle(emptyFigures, volumeFigures),
      renderReads(emptyFigures, volumeFigures),
      renderWrites(emptyFigures, volumeFigures),
      renderFanout(emptyFigures, volumeFigures),
      renderRunCpu(volumeFigures),
    ],
    figures: { plan, emptyPlan: empty, seeding, empty: emptyFigures, volume: volumeFigures },
    errors,
  };
}
