import { createLogger } from '@im/log';
import { type MongoDatabase, startMongoDb } from '@im/testkit';
import type { Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateReadTotals, READ_TOTALS_MIGRATION } from '../src/migrate.js';
import { ReadMarks } from '../src/repositories/read-marks.js';

/** The read totals of older versions (`read_totals`) carried into `read_marks` at start. */
let store: MongoDatabase;
let db: Db;
const log = createLogger({ name: 'workers-migrate-test', level: 'silent' });

beforeAll(async () => {
  store = await startMongoDb('workers-migrate');
  db = store.db;
}, 60_000);

afterAll(async () => {
  await store?.stop();
});

describe('migrateReadTotals', () => {
  it('carries every total over once, whichever copy runs it, and keeps marks counted meanwhile', async () => {
    // As the older version wrote them: `{_id: client id, read}`; ids that need encoding too.
    const old = [
      { _id: 's1', read: 3 },
      { _id: 'a#1', read: 7 },
      { _id: '王 小明', read: 1 },
    ];
    await db.collection<{ _id: string; read: number }>('read_totals').insertMany(old);
    const reads = new ReadMarks(db, { maxTimeMS: 5_000 });
    // A first mark this version counted before the move ran.
    await reads.countRead('s1');
    const ran = await Promise.all([migrateReadTotals(db, log), migrateReadTotals(db, log)]);
    expect(ran).toEqual([true, true]);
    expect(await reads.total('s1')).toBe(4);
    expect(await reads.total('a#1')).toBe(7);
    expect(await reads.total('王 小明')).toBe(1);
    // "a" never read anything: the total of "a#1" is not one of its blocks.
    expect(await reads.total('a')).toBe(0);
    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(names).not.toContain('read_totals');
    expect(
      await db.collection('workers_migrations').findOne({ _id: READ_TOTALS_MIGRATION as never }),
    ).not.toBeNull();

    // Later starts do nothing, even if a stray old collection reappeared; counting goes on.
    await db.collection<{ _id: string; read: number }>('read_totals').insertOne({ _id: 's1', read: 100 });
    expect(await migrateReadTotals(db, log)).toBe(false);
    await reads.countRead('s1');
    expect(await reads.total('s1')).toBe(5);
  });
});
