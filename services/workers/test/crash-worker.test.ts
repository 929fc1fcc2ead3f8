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

const STUDENTS = 600;

describe('crash 1: the worker is killed in the middle of a fan-out', () => {
  it('finishes after a restart with exactly one delivery per student and nothing pending', async () => {
    await startBroadcast(world);
    // Small chunks with a pause between them: the fan-out takes ~1 s, a window to kill it in.
    const workers = await startWorkers(world, { FANOUT_CHUNK_SIZE: '50', FANOUT_CHUNK_PAUSE_MS: '100' });
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
    const atKill = await deliveries.countDocuments({ push_id: outcome.pushId });
    // Proof that the kill landed mid-fan-out: some written, not all.
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(STUDENTS);

    await workers.restart();
    const [record] = await expectAllDeliveredOnce(world);
    expect(record).toMatchObject({ id: outcome.pushId, recipient_count: STUDENTS });
    expect(await deliveries.countDocuments()).toBe(STUDENTS);
  });
});
