import { setQueryLimit } from '@im/store';
import { type CommandWatch, type MongoHandle, startMongo, uniqueDbName, watchCommands } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deliveries } from '../src/repositories/deliveries.js';

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
  it("pass MONGO_TIMEOUT_MS as maxTimeMS on a student's inbox, a push's counts and delivery times", async () => {
    const deliveries = new Deliveries(wire.db);
    wire.clear();
    await deliveries.pageForStudent('s1', 0, 20);
    await deliveries.countForPushes([1, 2]);
    await deliveries.deliveredAt(1, ['s1', 's2']);
    // Every read is a look-up by _id: the inbox head, two pushes' progress, two deliveries.
    expect(wire.maxTimeOf('find')).toEqual(Array(5).fill(TIMEOUT_MS));
    expect(wire.maxTimeOf('aggregate')).toEqual([]);
  });
});
