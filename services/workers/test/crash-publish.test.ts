import { RequestClient } from '@im/bus';
import { ClassEventSubjects, ErrorCode, Streams } from '@im/contracts';
import { readStreamMessages } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CrashWorld,
  createClass,
  expectAllDeliveredOnce,
  push,
  SERVICE_CALLER,
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

describe('crash 2: the broadcast service dies between recording the push and publishing its event', () => {
  it('publishes it from the outbox after a restart; every student gets exactly one delivery', async () => {
    await startWorkers(world);
    // TEST-ONLY switch: the process SIGKILLs itself right after the push_history insert.
    const faulty = await startBroadcast(world, { BROADCAST_FAULT_CRASH_BEFORE_PUBLISH: '1' });
    const uids = studentsOf(2, STUDENTS);
    await createClass(world, 2, uids);

    // No answer will come (the service dies mid-request): no need to wait the usual timeout.
    const impatient = new RequestClient(world.nc, { timeoutMs: 2_000, caller: SERVICE_CALLER });
    const outcome = await push(world, 2, impatient);
    impatient.close();
    expect(outcome).toMatchObject({ ok: false, code: ErrorCode.UpstreamTimeout });
    expect(await faulty.died).toBe('SIGKILL');

    const pushes = world.broadcastDb.collection('push_history');
    const left = await pushes.find({ class_id: 2 }).toArray();
    expect(left).toHaveLength(1);
    expect(left[0]).toMatchObject({ recipient_count: STUDENTS, event: { sent: false } });
    expect(
      await readStreamMessages(world.nc, Streams.classEvents.name, ClassEventSubjects.message),
    ).toHaveLength(0);

    await startBroadcast(world); // no fault: its relay finds the pending event
    const [record] = await expectAllDeliveredOnce(world);
    expect(record).toMatchObject({ id: left[0]!.id, event: { sent: true } });
    const events = await readStreamMessages(world.nc, Streams.classEvents.name, ClassEventSubjects.message);
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ push_id: left[0]!.id, event_id: left[0]!.event.id });

    // The push did happen: the same class the same day is now a 409.
    const again = await push(world, 2);
    expect(again).toMatchObject({ ok: false, code: ErrorCode.ClassAlreadyPushed });
  });
});
