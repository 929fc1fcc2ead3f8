import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { findOnPath, mongoAnswers, startMongo, uniqueDbName, withDbName } from '../src/index.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (let step = cleanups.pop(); step; step = cleanups.pop()) await step();
});

// The environment's MONGO_URL is ignored here: these tests are about the server the testkit starts.
const localOnly = { env: { PATH: process.env.PATH } };

async function client(url: string): Promise<MongoClient> {
  const mongo = new MongoClient(url);
  cleanups.push(() => mongo.close());
  return mongo;
}

describe('startMongo (local MongoDB-wire server)', () => {
  it('enforces unique indexes: a duplicate insert fails with code 11000', async () => {
    const server = await startMongo({ probe: localOnly });
    cleanups.push(() => server.stop());
    const users = (await client(server.url)).db(uniqueDbName('unique')).collection('users');
    await users.createIndex({ email: 1 }, { unique: true });
    await users.insertOne({ email: 'a@example.com' });
    await expect(users.insertOne({ email: 'a@example.com' })).rejects.toMatchObject({ code: 11000 });
  });

  it('keeps data across restarts with a data root, and stop() ends the server', async () => {
    const dataRoot = await mkdtemp(join(tmpdir(), 'testkit-mongo-'));
    cleanups.push(() => rm(dataRoot, { recursive: true, force: true }));
    const db = uniqueDbName('persist');

    const first = await startMongo({ dataRoot, probe: localOnly });
    const writer = new MongoClient(first.url);
    await writer.db(db).collection('notes').insertOne({ text: 'kept' });
    await writer.close();
    await first.stop();
    expect(await mongoAnswers(first.url, 300)).toBe(false);

    const second = await startMongo({ dataRoot, probe: localOnly });
    cleanups.push(() => second.stop());
    const note = await (await client(second.url)).db(db).collection('notes').findOne({});
    expect(note?.text).toBe('kept');
  });

  // No mongod or ferretdb found, Go available: scripts/install-ferretdb.sh runs (a no-op once built).
  it.skipIf(!findOnPath('go'))('builds FerretDB with Go when no server binary is found', async () => {
    const go = findOnPath('go');
    const server = await startMongo({
      probe: { env: {}, findBinary: (name) => (name === 'go' ? go : undefined) },
    });
    cleanups.push(() => server.stop());
    expect(await mongoAnswers(server.url)).toBe(true);
  });

  it('uses MONGO_URL from the environment when set', async () => {
    const server = await startMongo({ probe: localOnly });
    cleanups.push(() => server.stop());
    const external = await startMongo({
      probe: { env: { MONGO_URL: server.url }, findBinary: () => undefined },
    });
    expect(external.url).toBe(server.url);
    await external.stop(); // not ours: the server keeps running
    expect(await mongoAnswers(server.url)).toBe(true);
  });
});

describe('uniqueDbName / withDbName', () => {
  it('gives distinct names both MongoDB and FerretDB accept', () => {
    const names = new Set(Array.from({ length: 100 }, () => uniqueDbName('my-tests.x')));
    expect(names.size).toBe(100);
    for (const name of names) expect(name).toMatch(/^my_tests_x_[a-z0-9_]{1,50}$/);
  });

  it('sets the database of a URL, keeping hosts and options', () => {
    expect(withDbName('mongodb://127.0.0.1:1/', 'db1')).toBe('mongodb://127.0.0.1:1/db1');
    expect(withDbName('mongodb://127.0.0.1:1', 'db1')).toBe('mongodb://127.0.0.1:1/db1');
    expect(withDbName('mongodb://u:p@a:1,b:2/old?replicaSet=rs0', 'db1')).toBe(
      'mongodb://u:p@a:1,b:2/db1?replicaSet=rs0',
    );
  });
});
