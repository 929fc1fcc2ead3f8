import { pollUntil } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CrashWorld,
  createClass,
  expectAllDeliveredOnce,
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

const STUDENTS = 2_000;
/**
 * From the kill to the last delivery, with the default ack wait (5 s), the restart of a tsx
 * process and the rest of the fan-out (each student's inbox is one write: about 3 s for 2,000 on
 * FerretDB) included. A liveness bound, not a speed figure: it fails a message that is never
 * redelivered (the old 30 s ack wait), not a slow machine.
 */
const RECOVERY_BOUND_MS = 40_000;

describe('crash 1: the worker is killed in the middle of a fan-out', () => {
  it('finishes soon after a restart with exactly one delivery per student and nothing pending', async () => {
    await startBroadcast(world);
    // Small chunks with a pause between them: the fan-out takes ~2 s, a window to kill it in.
    const workers = await startWorkers(world, { FANOUT_CHUNK_SIZE: '100', FANOUT_CHUNK_PAUSE_MS: '100' });
    const uids = studentsOf(1, STUDENTS);
    await createClass(world, 1, uids);

    const outcome = await push(world, 1);
    if (!outcome.ok) throw new Error(`push failed: ${outcome.message}`);
    const deliveries = world.workersDb.collection('deliveries');
    const started = await pollUntil(
      async () => (await deliveries.countDocuments({ push_id: outcome.pushId })) > 0,
      Date.now() + 30_000,
      undefined,
      10,
    );
    expect(started).toBe(true);
    await workers.kill();
    const killedAt = Date.now();
    const atKill = await deliveries.countDocuments({ push_id: outcome.pushId });
    // Proof that the kill landed mid-fan-out: some written, not all.
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(STUDENTS);

    await workers.restart();
    const finished = await pollUntil(
      async () => (await deliveries.countDocuments({ push_id: outcome.pushId })) >= STUDENTS,
      killedAt + 60_000,
      undefined,
      100,
    );
    const recoveryMs = Date.now() - killedAt;
    expect(finished).toBe(true);
    expect(recoveryMs).toBeLessThan(RECOVERY_BOUND_MS);

    const [record] = await expectAllDeliveredOnce(world);
    expect(record).toMatchObject({ id: outcome.pushId, recipient_count: STUDENTS });
    expect(await deliveries.countDocuments()).toBe(STUDENTS);
  });
});
