import { createLogger } from '@im/log';
import { KeyedList } from '@im/store';
import { type MongoDatabase, startMongoDb } from '@im/testkit';
import type { Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASS_PUSH_LISTS_MIGRATION, migrateClassPushLists } from '../src/migrate.js';
import { PushHistory, type PushSummary } from '../src/repositories/push-history.js';

/** The class lists of older versions (`class_pushes`, buckets of 100) carried over at start. */
let store: MongoDatabase;
let db: Db;
const log = createLogger({ name: 'broadcast-migrate-test', level: 'silent' });

beforeAll(async () => {
  store = await startMongoDb('broadcast-migrate');
  db = store.db;
}, 60_000);

afterAll(async () => {
  await store?.stop();
});

const push = (classId: number, id: number): PushSummary => ({
  id,
  class_id: classId,
  organization_id: 1,
  day: `2026-01-${String((id % 28) + 1).padStart(2, '0')}`,
  pushed_at: new Date(Date.UTC(2026, 0, 1, 8, 0, id)),
  message: `message ${id}`,
  recipient_count: 30,
  event_sent: id % 5 !== 0,
});

describe('migrateClassPushLists', () => {
  it('carries every class list over in order, once, whichever copy runs it', async () => {
    // As the older version wrote them: appends into `class_pushes`, buckets of 100.
    const old = new KeyedList<PushSummary>(db, 'class_pushes', { idField: 'id', bucketSize: 100 });
    const sizes = new Map([
      [7, 230],
      [8, 3],
    ]);
    for (const [classId, n] of sizes) {
      for (let id = 1; id <= n; id++)
        await old.appendOne(String(classId), push(classId, classId * 1000 + id));
    }
    const pushes = new PushHistory(db);
    // Two copies starting together.
    const ran = await Promise.all([
      migrateClassPushLists(db, pushes.byClass, log),
      migrateClassPushLists(db, new PushHistory(db).byClass, log),
    ]);
    expect(ran).toEqual([true, true]);
    for (const [classId, n] of sizes) {
      const expected = Array.from({ length: n }, (_, i) => push(classId, classId * 1000 + n - i));
      const got: PushSummary[] = [];
      for (let skip = 0; skip < n + 100; skip += 100) {
        const page = await pushes.listByClass(classId, skip, 100);
        expect(page.total).toBe(n);
        got.push(...page.items);
      }
      expect(got).toEqual(expected);
    }
    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(names).not.toContain('class_pushes');
    expect(
      await db.collection('broadcast_migrations').findOne({ _id: CLASS_PUSH_LISTS_MIGRATION as never }),
    ).not.toBeNull();
    expect(await migrateClassPushLists(db, pushes.byClass, log)).toBe(false);

    // The new list goes on from there: a push after the conversion is listed first.
    await pushes.byClass.appendOne('7', push(7, 7999));
    expect((await pushes.listByClass(7, 0, 2)).items.map((p) => p.id)).toEqual([7999, 7230]);
  });
});
