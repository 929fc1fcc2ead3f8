import { setTimeout as sleep } from 'node:timers/promises';
import { newAuthSecret } from '@im/testkit';
import { fmt } from '../report.js';
import type { Check, Suite, SuiteResult } from '../suite.js';
import { renderTable } from '../table.js';
import { Api } from '../volume/api.js';
import { waitBacklog } from '../volume/backlog.js';
import { emptyPlan, type VolumePlan, volumePlanFromEnv } from '../volume/plan.js';
import { type ClassRoster, classRosters } from '../volume/school.js';
import { seedStore } from '../volume/seed.js';
import { CLASS_MESSAGES } from '../volume/seed-pushes.js';
import { type BenchBus, withServers } from '../volume/servers.js';
import { startVolumeStack, type VolumeStack } from '../volume/stack.js';
import { type CpuFigures, measureCpu, settle } from '../volume/stack-cpu.js';

/** The agreed target for the whole idle stack, % of one core (issue 10). */
const IDLE_GOAL_PCT = 2;
/** Seconds of waiting after the stack has calmed down, before the measured window. */
const SETTLE_EXTRA_S = 15;

/**
 * The whole stack doing nothing (`npm run bench -- idle`): every service, nats-server and the
 * MongoDB-wire server, each one's CPU as % of one core over IDLE_S seconds (60), first on a fresh
 * empty store, then again once it has done some work: the directory's classes and users, groups,
 * and one push to each class, fanned out. What a process costs at rest is its timers and pulls:
 * relays, consumers' pull requests and heartbeats, keep-alives, pings.
 */
export const idle: Suite = {
  name: 'idle',
  async run({ progress }): Promise<SuiteResult> {
    const seconds = Number(process.env.IDLE_S ?? 60);
    if (!(seconds > 0)) throw new Error('IDLE_S: a positive number of seconds');
    // A small school: the point is that the store has history, not how much.
    const plan = emptyPlan(volumePlanFromEnv({ VOLUME_SCALE: '0.01', VOLUME_MEASURED_PUSHES: '20' }));
    const rosters = classRosters(plan);
    const authSecret = newAuthSecret();
    const errors: string[] = [];
    const windows = await withServers(async (servers, bus) => {
      progress('starting the whole stack (dist)');
      const running = await startVolumeStack(servers, authSecret, 'full');
      try {
        const empty = await measureIdle(running, seconds, 'empty store', progress);
        progress('writing: classes, users, groups, one push per class');
        await doWork(running, servers.mongoUrl, bus, plan, rosters, progress);
        const worked = await measureIdle(running, seconds, 'after the writes', progress);
        return { empty, worked };
      } finally {
        errors.push(...running.crashes);
        await running.stop();
      }
    });
    return result(windows.empty, windows.worked, rosters.length, errors);
  },
};

async function measureIdle(
  running: VolumeStack,
  seconds: number,
  what: string,
  progress: (message: string) => void,
): Promise<CpuFigures> {
  progress(`${what}: waiting for the stack to calm down, then ${seconds} s of idle CPU`);
  await settle(running.processes, 10);
  // V8 keeps collecting for a while after a burst of work (its memory reducer): not idle cost.
  await sleep(SETTLE_EXTRA_S * 1_000);
  const figures = await measureCpu(running.processes, seconds);
  progress(`${what}: ${fmt(figures.totalPctOfCore, 2)}% of one core`);
  return figures;
}

/** History through the services' own write paths, then every fan-out finished. */
async function doWork(
  running: VolumeStack,
  mongoUrl: string,
  bus: BenchBus,
  plan: VolumePlan,
  rosters: readonly ClassRoster[],
  progress: (message: string) => void,
): Promise<void> {
  const serviceToken = running.stack.token(
    { sub: 'bench-directory', role: 'service' },
    { expiresInS: 3_600 },
  );
  const context = {
    gatewayUrl: running.stack.gatewayUrl,
    serviceToken,
    mongoUrl,
    jsm: bus.jsm,
    tell: progress,
  };
  await seedStore(context, plan, rosters);
  const api = new Api(running.stack.gatewayUrl, serviceToken);
  for (const roster of rosters) {
    await api.call(
      'POST',
      `/im/org/${roster.classId}/message`,
      { message: 'idle bench' },
      { expected: [201] },
    );
  }
  await waitBacklog(bus.jsm, CLASS_MESSAGES, { timeoutMs: 300_000 });
}

function result(empty: CpuFigures, worked: CpuFigures, pushes: number, errors: string[]): SuiteResult {
  const names = [...new Set([...empty.processes, ...worked.processes].map((p) => p.name))];
  const of = (f: CpuFigures, name: string) => f.processes.find((p) => p.name === name);
  const row = (name: string) => [
    name,
    ...[empty, worked].flatMap((f) => [
      fmt(of(f, name)?.pctOfCore ?? Number.NaN, 2),
      fmt(of(f, name)?.wakeupsPerS ?? Number.NaN, 1),
    ]),
  ];
  const total = (f: CpuFigures) => [fmt(f.totalPctOfCore, 2), fmt(f.totalWakeupsPerS, 1)];
  const rows = [...names.map(row), ['whole stack', ...total(empty), ...total(worked)]];
  const check = (what: string, f: CpuFigures): Check => ({
    name: `idle stack, ${what}`,
    value: `${fmt(f.totalPctOfCore, 2)}% of one core`,
    goal: `≤ ${IDLE_GOAL_PCT}%`,
    pass: f.totalPctOfCore <= IDLE_GOAL_PCT,
  });
  return {
    suite: 'idle',
    title: `idle CPU over ${fmt(empty.seconds)} s without a request, on an empty store and after ${pushes} pushes`,
    runs: [],
    checks: [check('empty store', empty), check('after the writes', worked)],
    notes: [
      'wakeups: voluntary context switches of all its threads per second, what its timers and messages cost whatever the machine load makes each one cost in CPU',
    ],
    sections: [
      renderTable(
        ['process', 'empty: % of one core', 'wakeups/s', 'after the writes: % of one core', 'wakeups/s'],
        rows,
        ['left'],
      ),
    ],
    figures: { empty, worked },
    errors,
  };
}
