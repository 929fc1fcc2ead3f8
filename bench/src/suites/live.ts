import { setTimeout as sleep } from 'node:timers/promises';
import { createClasses, deliveriesMissing, studentsOf } from '../live/classes.js';
import { startCpuWindow } from '../live/cpu-window.js';
import { type LiveOptions, liveOptionsFromEnv } from '../live/live-options.js';
import { type LiveFigures, liveChecks, renderLive } from '../live/live-report.js';
import type { LiveStack } from '../live/live-stack.js';
import { runOnLiveStack } from '../live/live-suite-run.js';
import { pushClassMessage } from '../live/push.js';
import { spreadOf } from '../live/stats.js';
import type { StudentStreams } from '../live/student-streams.js';
import { fmt } from '../report.js';
import { readMemory } from '../rss.js';
import type { Suite, SuiteResult } from '../suite.js';
import { measureCpu } from '../volume/stack-cpu.js';

const WARM_UP_CLASS = 1;
const STREAMED_CLASS = 2;
/** Long enough for a fan-out at a few hundred deliveries a second; a miss is an error, not a figure. */
const FANOUT_TIMEOUT_MS = 120_000;
/** After the fan-out's last write, the events still on their way get this long. */
const EVENT_GRACE_MS = 30_000;
/** Between the last stream opening and the RSS reading: the gateway's last allocations settle. */
const SETTLE_MS = 2_000;

/**
 * Live notifications on one gateway (`npm run bench -- live`): a class of 2,000 students, one
 * stream each, all open at once and idle, then one push to the class. What an idle stream costs
 * the gateway (RSS, CPU) and how long after the push's 201 each student has the event, next to
 * the fan-out's own time from the 201 to its last delivery written.
 */
export const live: Suite = {
  name: 'live notifications',
  run({ progress }): Promise<SuiteResult> {
    const options = liveOptionsFromEnv();
    return runOnLiveStack(progress, async (running, streams, errors) => {
      const figures = await measureLive(running, streams, options, progress, errors);
      return {
        suite: 'live notifications',
        title: `a class of ${fmt(options.students)}, one stream each on one gateway; idle ${options.idleS} s; one push`,
        runs: [],
        checks: liveChecks(figures),
        notes: [
          'the streams are read by the bench process itself: an event is timed when its chunk is read there, so the figures include its own event loop',
        ],
        sections: renderLive(figures),
        figures,
      };
    });
  },
};

async function measureLive(
  running: LiveStack,
  streams: StudentStreams,
  options: LiveOptions,
  progress: (message: string) => void,
  errors: string[],
): Promise<LiveFigures> {
  const { stack, dbs, api, gatewayPid } = running;
  const students = studentsOf(STREAMED_CLASS, options.students);
  progress(
    `classes ${WARM_UP_CLASS} (warm-up) and ${STREAMED_CLASS}, ${fmt(options.students)} students each`,
  );
  await createClasses(api, dbs.broadcast, [
    { classId: WARM_UP_CLASS, students: studentsOf(WARM_UP_CLASS, options.students) },
    { classId: STREAMED_CLASS, students },
  ]);
  // JIT, connections, the consumer's first pull: on a class nobody streams, as the fanout suite does.
  progress('warm-up push');
  const warmUp = await pushClassMessage(stack.gatewayUrl, running.serviceToken, WARM_UP_CLASS);
  if (warmUp.pushId === undefined) throw new Error(`warm-up push: status ${warmUp.status} ${warmUp.failure}`);
  await running.fanouts.wait(warmUp.pushId, FANOUT_TIMEOUT_MS);

  const gateway = [{ name: 'gateway', pid: gatewayPid }];
  progress(`the gateway idle without streams, ${options.idleS} s`);
  const before = rssKb(gatewayPid);
  const idleBefore = await measureCpu(gateway, options.idleS);

  progress(`opening ${fmt(options.students)} streams (${options.auth})`);
  await streams.open(stack.gatewayUrl, students, {
    auth: options.auth,
    concurrency: options.openConcurrency,
    tokenOf: running.tokenOf,
    tell: progress,
  });
  await sleep(SETTLE_MS);
  const open = rssKb(gatewayPid);
  progress(`all open in ${fmt(streams.openMs)} ms; the gateway idle with them, ${options.idleS} s`);
  const commentsBefore = streams.comments;
  const idleWith = await measureCpu(gateway, options.idleS);
  const comments = streams.comments - commentsBefore;
  const idle = rssKb(gatewayPid);

  progress(`push to class ${STREAMED_CLASS}`);
  const cpu = startCpuWindow(running.processes);
  const push = await pushClassMessage(stack.gatewayUrl, running.serviceToken, STREAMED_CLASS);
  if (push.pushId === undefined) throw new Error(`push: status ${push.status} ${push.failure}`);
  const fannedOut = await running.fanouts.wait(push.pushId, FANOUT_TIMEOUT_MS);
  const arrivals = await streams.waitFor(push.pushId, students.length, EVENT_GRACE_MS);
  const pushCpu = cpu.stop();
  if (arrivals.size < students.length) {
    errors.push(`${fmt(students.length - arrivals.size)} of ${fmt(students.length)} students got no event`);
  }
  const missing = await deliveriesMissing(dbs.workers, push.pushId, students.length);
  if (missing) errors.push(missing);
  if (streams.ended > 0) errors.push(`${fmt(streams.ended)} streams ended while open`);

  return {
    students: students.length,
    auth: options.auth,
    openMs: streams.openMs,
    gatewayRssKb: { before, open, idle },
    bytesPerStream: ((open - before) * 1024) / students.length,
    idle: {
      seconds: idleWith.seconds,
      gatewayPctNoStreams: idleBefore.totalPctOfCore,
      gatewayPctStreams: idleWith.totalPctOfCore,
      comments,
    },
    pushMs: push.answeredAt - push.sentAt,
    fanoutMs: fannedOut - push.answeredAt,
    delivery: spreadOf([...arrivals.values()].map((at) => at - push.answeredAt)),
    pushCpu,
  };
}

function rssKb(pid: number): number {
  const memory = readMemory(pid);
  if (!memory) throw new Error(`the gateway (pid ${pid}) is gone`);
  return memory.rssKb;
}
