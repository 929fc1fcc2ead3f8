import { setQueryLimit } from '@im/store';
import { type CommandWatch, type MongoHandle, startMongo, uniqueDbName, watchCommands } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deliveries } from '../src/repositories/deliveries.js';
import { StudentNotifications } from '../src/repositories/student-notifications.js';

/**
 * The reads that answer requests about deliveries carry the store's time limit as `maxTimeMS`,
 * so a slow server stops the work itself instead of running on after the caller gave up.
 * Observed on the wire (command monitoring) against a real MongoDB-wire server.
 */
const TIMEOUT_MS = 1_234;
let mongo: MongoHandle;
let wire: CommandWatch;

beforeAll(async () => {
  mongo = await startMongo();
  wire = await watchCommands(mongo.url, uniqueDbName('wqlimit'));
  setQueryLimit(wire.db, TIMEOUT_MS);
}, 60_000);

afterAll(async () => {
  await wire?.close();
  await mongo?.stop();
});

describe('deliveries read time limits', () => {
  it("pass MONGO_TIMEOUT_MS as maxTimeMS on a student's inbox, its marks, a push's counts and delivery times", async () => {
    const deliveries = new Deliveries(wire.db);
    const notifications = new StudentNotifications(deliveries);
    const event = {
      event_id: 'e1',
      push_id: 1,
      class_id: 1,
      organization_id: 1,
      student_uids: ['s1'],
      message: '',
      day: '2024-05-01',
      pushed_at: '2024-05-01T00:00:00.000Z',
    };
    await deliveries.writeChunk(event, ['s1'], 0);
    await notifications.markRead('s1', 1);
    wire.clear();
    await notifications.page('s1', 0, 20);
    await notifications.since('s1', 0);
    await notifications.markRead('s1', 1);
    await deliveries.countForPushes([1, 2]);
    await deliveries.deliveredAt(1, ['s1', 's2']);
    // Every read is a look-up by _id: the inbox head, then the mark block with the read total in
    // one `$in` (page); the head and the block (since); the delivery and the block (a repeated
    // mark); two pushes' progress in one `$in`; two deliveries.
    expect(wire.maxTimeOf('find')).toEqual(Array(9).fill(TIMEOUT_MS));
    expect(wire.maxTimeOf('aggregate')).toEqual([]);
  });
});
