import { setTimeout as sleep } from 'node:timers/promises';
import { type BurstFigures, burstChecks, renderBurst } from '../live/burst-report.js';
import { createClasses, deliveriesMissing, studentsOf } from '../live/classes.js';
import { startCpuWindow } from '../live/cpu-window.js';
import { type BurstOptions, burstOptionsFromEnv } from '../live/live-options.js';
import type { LiveStack } from '../live/live-stack.js';
import { runOnLiveStack } from '../live/live-suite-run.js';
import { pushClassMessage, type TimedPush } from '../live/push.js';
import { measureRawInsert } from '../live/raw-insert.js';
import { spreadOf } from '../live/stats.js';
import type { StudentStreams } from '../live/student-streams.js';
import { fmt } from '../report.js';
import type { Suite, SuiteResult } from '../suite.js';

/** A class of its own for the warm-up push, far from the burst's 1 … classes. */
const WARM_UP_CLASS = 10_000;
/** 40,000 deliveries at the fanout suite's rate of about 1,000/s take 40 s: ten times that is a failure. */
const FANOUT_TIMEOUT_MS = 600_000;
const EVENT_GRACE_MS = 30_000;
/** Between the streams opening and the burst: every subscription is in place. */
const SETTLE_MS = 2_000;

/**
 * The morning burst (`npm run bench -- burst`): 20 classes of 2,000 students pushed at the same
 * moment, a sample of each class's students streaming. How many pushes get their 201 and how
 * fast, how long until every delivery has landed and every sampled student has its event, next
 * to the same server's bare insertMany rate.
 */
export const burst: Suite = {
  name: 'morning burst',
  run({ progress }): Promise<SuiteResult> {
    const options = burstOptionsFromEnv();
    return runOnLiveStack(progress, async (running, streams, errors) => {
      const figures = await measureBurst(running, streams, options, progress, errors);
      return {
        suite: 'morning burst',
        title: `${fmt(options.classes)} classes of ${fmt(options.students)} pushed at once; ${fmt(options.streamsPerClass)} students of each streaming`,
        runs: [],
        checks: burstChecks(figures),
        notes: [
          'one request per class, all sent in the same tick; a non-201 is a figure, not an error',
          'events are timed when the bench process reads them: its own event loop is in the figures',
          ...figures.failures,
        ],
        sections: renderBurst(figures),
        figures,
      };
    });
  },
};

async function measureBurst(
  running: LiveStack,
  streams: StudentStreams,
  options: BurstOptions,
  progress: (message: string) => void,
  errors: string[],
): Promise<BurstFigures> {
  const { stack, dbs } = running;
  const classIds = Array.from({ length: options.classes }, (_, i) => i + 1);
  progress(`${fmt(options.classes)} classes of ${fmt(options.students)} and a warm-up class`);
  await createClasses(
    running.api,
    dbs.broadcast,
    [WARM_UP_CLASS, ...classIds].map((classId) => ({
      classId,
      students: studentsOf(classId, options.students),
    })),
  );
  progress('warm-up push');
  const warmUp = await pushClassMessage(stack.gatewayUrl, running.serviceToken, WARM_UP_CLASS);
  if (warmUp.pushId === undefined) throw new Error(`warm-up push: status ${warmUp.status} ${warmUp.failure}`);
  await running.fanouts.wait(warmUp.pushId, FANOUT_TIMEOUT_MS);

  const sampled = new Map(
    classIds.map((id) => [id, sampleOf(studentsOf(id, options.students), options.streamsPerClass)]),
  );
  if (options.streamsPerClass > 0) {
    progress(`opening ${fmt(options.streamsPerClass * options.classes)} streams (${options.auth})`);
    await streams.open(stack.gatewayUrl, [...sampled.values()].flat(), {
      auth: options.auth,
      concurrency: options.openConcurrency,
      tokenOf: running.tokenOf,
      tell: progress,
    });
    await sleep(SETTLE_MS);
  }

  progress(`${fmt(options.classes)} pushes at once`);
  const cpu = startCpuWindow(running.processes);
  const pushes = await Promise.all(
    classIds.map((id) => pushClassMessage(stack.gatewayUrl, running.serviceToken, id)),
  );
  const created = pushes.filter((p): p is TimedPush & { pushId: number } => p.pushId !== undefined);
  progress(`${created.length} × 201; waiting for ${fmt(created.length * options.students)} deliveries`);
  const landed = await Promise.all(created.map((p) => running.fanouts.wait(p.pushId, FANOUT_TIMEOUT_MS)));
  const spent = cpu.stop();
  const lastEvent: number[] = [];
  const eventLatencies: number[] = [];
  for (const push of created) {
    const arrivals = await streams.waitFor(push.pushId, sampled.get(push.classId)!.length, EVENT_GRACE_MS);
    for (const at of arrivals.values()) eventLatencies.push(at - push.answeredAt);
    lastEvent.push(...arrivals.values());
  }

  for (const push of created) {
    const missing = await deliveriesMissing(dbs.workers, push.pushId, options.students);
    if (missing) errors.push(missing);
  }
  const expectedEvents = created.reduce((sum, p) => sum + sampled.get(p.classId)!.length, 0);
  if (eventLatencies.length < expectedEvents) {
    errors.push(
      `${fmt(expectedEvents - eventLatencies.length)} of ${fmt(expectedEvents)} sampled students got no event`,
    );
  }
  if (streams.ended > 0) errors.push(`${fmt(streams.ended)} streams ended while open`);
  progress('raw insertMany on the same server');
  const raw = await measureRawInsert(dbs.scratch, options.students);

  const firstSent = Math.min(...pushes.map((p) => p.sentAt));
  const firstAnswer = Math.min(...created.map((p) => p.answeredAt));
  const lastDelivery = Math.max(...landed);
  return {
    classes: options.classes,
    students: options.students,
    statuses: countStatuses(pushes),
    // What each kind of failure said, once: twenty 504s alike are one line.
    failures: [...new Set(pushes.flatMap((p) => (p.failure ? [`${p.status}: ${p.failure}`] : [])))],
    pushLatency: spreadOf(pushes.map((p) => p.answeredAt - p.sentAt)),
    deliveries: created.length * options.students,
    firstAnswerToLastDeliveryMs: lastDelivery - firstAnswer,
    firstSentToLastDeliveryMs: lastDelivery - firstSent,
    streams: streams.count,
    eventLatency: spreadOf(eventLatencies),
    firstAnswerToLastEventMs: Math.max(...lastEvent) - firstAnswer,
    raw,
    cpu: spent,
  };
}

/**
 * `count` students spread evenly over the roster: a fan-out writes it chunk by chunk in roster
 * order, so the first ones alone would all be in its first chunk and say nothing of the rest.
 */
function sampleOf(roster: readonly string[], count: number): string[] {
  if (count <= 1) return roster.slice(0, count);
  // The first and the last of the roster included: the last is the fan-out's last write.
  const step = (roster.length - 1) / (count - 1);
  return Array.from({ length: count }, (_, i) => roster[Math.round(i * step)]!);
}

function countStatuses(pushes: readonly TimedPush[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const push of pushes) counts[push.status] = (counts[push.status] ?? 0) + 1;
  return counts;
}
