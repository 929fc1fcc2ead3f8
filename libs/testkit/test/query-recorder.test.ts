import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type MongoHandle,
  type QueryShapeRecorder,
  recordQueryShapes,
  type ServerKind,
  serverKind,
  startMongo,
  uniqueDbName,
} from '../src/index.js';

/** The recorder on a real server: what it records from a client's commands, and what explain says of each. */
let mongo: MongoHandle;
let client: MongoClient;
let recorder: QueryShapeRecorder;
let server: ServerKind;
const dbName = uniqueDbName('shapes');
const otherDbName = uniqueDbName('shapes_other');

beforeAll(async () => {
  mongo = await startMongo();
  client = new MongoClient(mongo.url, { monitorCommands: true, retryWrites: false });
  await client.connect();
  server = await serverKind(client);
  recorder = recordQueryShapes(client, { databases: [dbName] });
});
afterAll(async () => {
  recorder?.stop();
  await client?.close();
  await mongo?.stop();
});

describe('recordQueryShapes', () => {
  it('refuses a client that does not report its commands', () => {
    const quiet = new MongoClient(mongo.url);
    expect(() => recordQueryShapes(quiet)).toThrow(/monitorCommands: true/);
  });

  it('records each shape once with its count, and explains one real statement of each', async () => {
    const db = client.db(dbName);
    const things = db.collection<{ _id: string; a: number; b: string; n?: { x: number } }>('things');
    const numbered = db.collection<{ _id: number }>('numbered');
    const counters = db.collection<{ _id: string; seq: number }>('counters');
    await things.createIndex({ a: 1 });
    await things.insertMany([
      { _id: 'k1', a: 1, b: 'x', n: { x: 1 } },
      { _id: 'k2', a: 2, b: 'y' },
    ]);
    await numbered.insertOne({ _id: 7 });

    await things.findOne({ _id: 'k1' });
    await things.findOne({ _id: 'k2' });
    await things.find({ b: 'x' }).toArray();
    await things.find({ a: 1 }).sort({ a: 1 }).skip(1).toArray();
    await things.updateOne({ _id: 'k1' }, { $set: { b: 'z' } });
    await things.countDocuments({ _id: 'k1' }, { limit: 1 });
    await things.deleteMany({ b: { $in: ['nothing'] } });
    await counters.findOneAndUpdate({ _id: 'c' }, { $inc: { seq: 1 } }, { upsert: true });
    await numbered.findOne({ _id: 7 });
    await client.db(otherDbName).collection('things').findOne({ b: 'elsewhere' });

    const seen = Object.fromEntries(recorder.shapes().map((s) => [s.key, s.count]));
    expect(seen).toEqual({
      'things find {_id: string}': 2,
      'things find {b: string}': 1,
      'things find {a: int} sort {a: 1} skip>0': 1,
      'things update {_id: string}': 1,
      'things countDocuments {_id: string} | $limit': 1,
      'things delete {b: {$in: array}}': 1,
      'counters findAndModify {_id: string}': 1,
      'numbered find {_id: int}': 1,
    });

    const explained = await recorder.explain();
    const verdicts = Object.fromEntries(explained.map((r) => [r.key, r.indexed]));
    // Both servers: a string _id is found by its index; a field without one is scanned.
    const common = {
      'things find {_id: string}': true,
      'things find {b: string}': false,
      'things update {_id: string}': true,
      'things countDocuments {_id: string} | $limit': true,
      'things delete {b: {$in: array}}': false,
      'counters findAndModify {_id: string}': true,
    };
    // FerretDB 1.24 uses no index but its own on a string `_id`; MongoDB uses `{a: 1}` and `_id`.
    expect(verdicts).toEqual({
      ...common,
      'things find {a: int} sort {a: 1} skip>0': server === 'mongodb',
      'numbered find {_id: int}': server === 'mongodb',
    });
    for (const r of explained) {
      expect(r.server).toBe(server);
      expect(r.database).toBe(dbName);
      expect(r.reason.length).toBeGreaterThan(0);
    }
    if (server === 'ferretdb') {
      // The update was explained as the find it runs (FerretDB's explain of an update sees no filter).
      const update = explained.find((r) => r.key === 'things update {_id: string}');
      expect(update?.explained).toEqual({ find: 'things', filter: { _id: 'k1' } });
      expect(update?.reason).toMatch(/^filterPushdown; SEARCH .* USING INDEX/);
    }
  });

  it('forgets on clear and records nothing once stopped', async () => {
    recorder.clear();
    const things = client.db(dbName).collection<{ _id: string; a: number }>('things');
    await things.findOne({ _id: 'k9' });
    expect(recorder.shapes().map((s) => s.key)).toEqual(['things find {_id: string}']);
    recorder.stop();
    await things.findOne({ a: 5 });
    expect(recorder.shapes()).toHaveLength(1);
  });
});
