import { AppError, ErrorCode } from '@im/contracts';
import { connectMongo, type MongoStore } from '@im/store';
import { type MongoHandle, startMongo, uniqueDbName, withDbName } from '@im/testkit';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeBus,
  connectBus,
  defineEndpoint,
  isDatabaseUnavailable,
  type NatsConnection,
  RequestClient,
  startService,
} from '../src/index.js';
import { SERVICE, silentLog } from './fixture.js';
import { type SmallNats, startNatsWithMaxPayload } from './nats-with-max-payload.js';

/**
 * A database that does not answer in time is a dependency down, not a bug: the handler's request
 * is answered 503 naming the service's database (not a bare 500), on a real MongoDB-wire server.
 */
const log = silentLog;

let nats: SmallNats;
let nc: NatsConnection;
let client: RequestClient;
let mongo: MongoHandle;
let store: MongoStore;
let closedStore: MongoStore;

beforeAll(async () => {
  [nats, mongo] = await Promise.all([startNatsWithMaxPayload(1_048_576), startMongo()]);
  const url = withDbName(mongo.url, uniqueDbName('bus_db_errors'));
  store = await connectMongo(url, 'bus-test');
  closedStore = await connectMongo(url, 'bus-test-closed');
  await closedStore.close();
  // Enough documents that an unindexed regular expression cannot finish within 1 ms.
  const big = store.db.collection('big');
  const docs = Array.from({ length: 20_000 }, (_, i) => ({ i, s: `${'x'.repeat(200)}${i}` }));
  for (let at = 0; at < docs.length; at += 5_000) await big.insertMany(docs.slice(at, at + 5_000));
  nc = await connectBus({ servers: nats.url, name: 'test', log });
  client = new RequestClient(nc, { timeoutMs: 10_000, caller: SERVICE });
  await startService(nc, {
    name: 'im-roster',
    version: '0.0.1',
    description: 'reads a slow store',
    log,
    endpoints: [
      defineEndpoint({
        name: 'slow',
        subject: 'test.roster.slow',
        request: Type.Object({}),
        handle: async () => ({
          found: await big.find({ s: { $regex: 'never-there' } }, { maxTimeMS: 1 }).toArray(),
        }),
      }),
      defineEndpoint({
        name: 'closed',
        subject: 'test.roster.closed',
        request: Type.Object({}),
        handle: async () => ({ found: await closedStore.db.collection('big').findOne({ i: 1 }) }),
      }),
    ],
  });
}, 120_000);

afterAll(async () => {
  client?.close();
  if (nc) await closeBus(nc);
  await store?.close();
  await Promise.all([nats?.stop(), mongo?.stop()]);
});

async function failure(subject: string): Promise<AppError> {
  try {
    await client.request(subject, Buffer.from('{}'));
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error(`expected ${subject} to fail`);
}

describe('database errors in a handler', () => {
  it('answer 503 naming the database when the server stops an operation at its maxTimeMS', async () => {
    const error = await failure('test.roster.slow');
    expect(error.code).toBe(ErrorCode.ServiceUnavailable);
    expect(error.message).toBe("the roster service's database is unavailable");
  });

  it('answer 503 naming the database when the client cannot reach it', async () => {
    const error = await failure('test.roster.closed');
    expect(error.code).toBe(ErrorCode.ServiceUnavailable);
    expect(error.message).toBe("the roster service's database is unavailable");
  });

  it('tell driver errors of an unavailable database from the others, by name and code', async () => {
    const duplicate = await store.db
      .collection('uniq')
      .createIndex({ k: 1 }, { unique: true })
      .then(() => store.db.collection('uniq').insertMany([{ k: 1 }, { k: 1 }]))
      .catch((error: unknown) => error);
    expect(isDatabaseUnavailable(duplicate)).toBe(false);
    const timeout = await store.db
      .collection('big')
      .countDocuments({ s: { $regex: 'never-there' } }, { maxTimeMS: 1 })
      .catch((error: unknown) => error);
    expect(isDatabaseUnavailable(timeout)).toBe(true);
    const wrapped = new Error('repository failed', { cause: timeout });
    expect(isDatabaseUnavailable(wrapped)).toBe(true);
    expect(isDatabaseUnavailable(new TypeError('x'))).toBe(false);
    expect(isDatabaseUnavailable('MongoNetworkError')).toBe(false);
  });
});
