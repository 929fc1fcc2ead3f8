import { setQueryLimit } from '@im/store';
import { type CommandWatch, type MongoHandle, startMongo, uniqueDbName, watchCommands } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PushHistory } from '../src/repositories/push-history.js';

/**
 * The reads that answer requests carry the store's time limit as `maxTimeMS`, so a server that
 * is slow stops the work itself instead of running on after the client gave up. Observed on the
 * wire (command monitoring) against a real MongoDB-wire server.
 */
const TIMEOUT_MS = 1_234;
let mongo: MongoHandle;
let wire: CommandWatch;

beforeAll(async () => {
  mongo = await startMongo();
  wire = await watchCommands(mongo.url, uniqueDbName('qlimit'));
  setQueryLimit(wire.db, TIMEOUT_MS);
}, 60_000);

afterAll(async () => {
  await wire?.close();
  await mongo?.stop();
});

describe('read time limits', () => {
  it("pass MONGO_TIMEOUT_MS as maxTimeMS on a class's pushes, a push and its recipients", async () => {
    const pushes = new PushHistory(wire.db);
    wire.clear();
    await pushes.listByClass(7, 0, 20);
    await pushes.findById(3);
    await pushes.recipientsPage(3, 0, 20);
    // The class's list head, the record twice: look-ups by _id, no aggregation.
    expect(wire.maxTimeOf('find')).toEqual([TIMEOUT_MS, TIMEOUT_MS, TIMEOUT_MS]);
    expect(wire.maxTimeOf('aggregate')).toEqual([]);
  });
});
