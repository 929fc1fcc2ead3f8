import { type MongoHandle, startMongo, uniqueDbName } from '@im/testkit';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMongo, DEFAULT_MONGO_TIMEOUT_MS, queryLimit } from '../src/index.js';

/** The time limit repositories put on their reads is the one connectMongo was given. */
let mongo: MongoHandle;

beforeAll(async () => {
  mongo = await startMongo();
}, 60_000);

afterAll(async () => {
  await mongo?.stop();
});

describe('queryLimit', () => {
  it('is what connectMongo was given (MONGO_TIMEOUT_MS)', async () => {
    const store = await connectMongo(mongo.url, 'query-limit-test', uniqueDbName('qlimit'), {
      timeoutMs: 4_321,
    });
    try {
      expect(queryLimit(store.db)).toEqual({ maxTimeMS: 4_321 });
    } finally {
      await store.close();
    }
  });

  it('is the default for a database connectMongo did not open', async () => {
    const client = new MongoClient(mongo.url);
    try {
      expect(queryLimit(client.db(uniqueDbName('qlimit')))).toEqual({ maxTimeMS: DEFAULT_MONGO_TIMEOUT_MS });
    } finally {
      await client.close();
    }
  });
});
