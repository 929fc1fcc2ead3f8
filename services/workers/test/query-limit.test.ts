import { setQueryLimit } from '@im/store';
import { type MongoHandle, startMongo, uniqueDbName } from '@im/testkit';
import { type CommandStartedEvent, type Db, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deliveries } from '../src/repositories/deliveries.js';

/**
 * The reads that answer requests about deliveries carry the store's time limit as `maxTimeMS`,
 * so a slow server stops the work itself instead of running on after the caller gave up.
 * Observed on the wire (command monitoring) against a real MongoDB-wire server.
 */
const TIMEOUT_MS = 1_234;
let mongo: MongoHandle;
let client: MongoClient;
let db: Db;
const started: CommandStartedEvent[] = [];

beforeAll(async () => {
  mongo = await startMongo();
  // A client of our own that reports every command it sends.
  client = new MongoClient(mongo.url, { monitorCommands: true, retryWrites: false });
  client.on('commandStarted', (event) => started.push(event));
  await client.connect();
  db = client.db(uniqueDbName('wqlimit'));
  setQueryLimit(db, TIMEOUT_MS);
}, 60_000);

afterAll(async () => {
  await client?.close();
  await mongo?.stop();
});

const limitOf = (name: string) =>
  started.filter((e) => e.commandName === name).map((e) => e.command.maxTimeMS as number | undefined);

describe('deliveries read time limits', () => {
  it("pass MONGO_TIMEOUT_MS as maxTimeMS on a student's inbox, a push's counts and delivery times", async () => {
    const deliveries = new Deliveries(db);
    started.length = 0;
    await deliveries.listForStudent('s1', 0, 20);
    await deliveries.countForStudent('s1');
    await deliveries.countForPushes([1, 2]);
    await deliveries.deliveredAt(1, ['s1', 's2']);
    expect(limitOf('find')).toEqual([TIMEOUT_MS, TIMEOUT_MS]);
    // countDocuments runs as an aggregation.
    expect(limitOf('aggregate')).toEqual([TIMEOUT_MS, TIMEOUT_MS]);
  });
});
