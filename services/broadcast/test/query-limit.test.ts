import { connectMongo, queryLimit, setQueryLimit } from '@im/store';
import { type MongoHandle, startMongo, uniqueDbName } from '@im/testkit';
import { type CommandStartedEvent, type Db, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PushHistory } from '../src/repositories/push-history.js';

/**
 * The reads that answer requests carry the store's time limit as `maxTimeMS`, so a server that
 * is slow stops the work itself instead of running on after the client gave up. Observed on the
 * wire (command monitoring) against a real MongoDB-wire server.
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
  db = client.db(uniqueDbName('qlimit'));
  setQueryLimit(db, TIMEOUT_MS);
}, 60_000);

afterAll(async () => {
  await client?.close();
  await mongo?.stop();
});

const limitOf = (name: string) =>
  started.filter((e) => e.commandName === name).map((e) => e.command.maxTimeMS as number | undefined);

describe('read time limits', () => {
  it('are what connectMongo was given (MONGO_TIMEOUT_MS)', async () => {
    const store = await connectMongo(mongo.url, 'query-limit-test', uniqueDbName('qlimit'), {
      timeoutMs: 4_321,
    });
    try {
      expect(queryLimit(store.db)).toEqual({ maxTimeMS: 4_321 });
    } finally {
      await store.close();
    }
  });

  it("pass MONGO_TIMEOUT_MS as maxTimeMS on a class's pushes", async () => {
    const pushes = new PushHistory(db);
    started.length = 0;
    await pushes.listByClass(7, 0, 20);
    await pushes.countByClass(7);
    expect(limitOf('find')).toEqual([TIMEOUT_MS]);
    // countDocuments runs as an aggregation.
    expect(limitOf('aggregate')).toEqual([TIMEOUT_MS]);
  });
});
