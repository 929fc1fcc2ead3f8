import { ErrorCode } from '@im/contracts';
import { sleep } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CrashWorld,
  createClass,
  expectAllDeliveredOnce,
  type PushOutcome,
  push,
  startBroadcast,
  startWorkers,
  startWorld,
  studentsOf,
} from './crash-kit.js';

let world: CrashWorld;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world?.close());

const STUDENTS = 500;
const CLASSES = [31, 32, 33, 34, 35, 36];

describe('crash 3: nats-server stops and starts again (same store) while pushes are in flight', () => {
  it('loses and doubles nothing: every recorded push ends with one delivery per student', async () => {
    await startBroadcast(world);
    // Chunked with pauses so fan-outs are still running when the server goes away.
    await startWorkers(world, { FANOUT_CHUNK_SIZE: '50', FANOUT_CHUNK_PAUSE_MS: '30' });
    for (const classId of CLASSES) await createClass(world, classId, studentsOf(classId, STUDENTS));

    // One push per class, 150 ms apart; the server restarts after the second has gone out.
    const outcomes = new Map<number, Promise<PushOutcome>>();
    let restarted: Promise<void> | undefined;
    for (const [i, classId] of CLASSES.entries()) {
      outcomes.set(classId, push(world, classId));
      if (i === 1) restarted = sleep(100).then(() => world.nats.restart());
      await sleep(150);
    }
    await restarted;
    const first = new Map<number, PushOutcome>();
    for (const [classId, outcome] of outcomes) first.set(classId, await outcome);
    const succeeded = [...first.values()].filter((o) => o.ok);
    expect(succeeded.length).toBeGreaterThan(0);
    for (const o of first.values()) {
      // The only acceptable failures are the outage's: unavailable or timed out.
      if (!o.ok) expect([ErrorCode.ServiceUnavailable, ErrorCode.UpstreamTimeout]).toContain(o.code);
    }

    // A failed push may or may not have been recorded (its answer may be what was lost): asking
    // again gives a 201 when it was not, a 409 when it was; either way one push per class results.
    for (const [classId, o] of first) {
      if (o.ok) continue;
      const retry = await push(world, classId);
      if (!retry.ok) expect(retry.code).toBe(ErrorCode.ClassAlreadyPushed);
    }

    const records = await expectAllDeliveredOnce(world);
    expect(records.map((r) => r.class_id).sort()).toEqual(CLASSES);
    for (const o of succeeded) if (o.ok) expect(records.map((r) => r.id)).toContain(o.pushId);
    expect(await world.workersDb.collection('deliveries').countDocuments()).toBe(CLASSES.length * STUDENTS);
  });
});
