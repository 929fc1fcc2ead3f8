import { type MongoDatabase, startMongoDb } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deliveries } from '../src/repositories/deliveries.js';
import { StudentNotifications } from '../src/repositories/student-notifications.js';
import { classMessage } from './workers-harness.js';

/**
 * Each copy of the workers keeps the inbox pages it built (StudentNotifications): two copies over
 * one database, on the MongoDB-wire server the tests use. A change behind the services' back (a
 * raw write) shows whether a page came from the cache; every change through either copy (a
 * delivery, a first mark) must show in the other's next page.
 */
let store: MongoDatabase;
let a: StudentNotifications;
let b: StudentNotifications;
let writer: Deliveries;

const student = 's1';
const push = (id: number) =>
  classMessage(id, [student], `2024-09-${String(id).padStart(2, '0')}T01:00:00.000Z`);
const summary = (page: Awaited<ReturnType<StudentNotifications['page']>>) => ({
  total: page.total,
  unread: page.unread,
  read: page.items.filter((d) => d.read_at !== null).map((d) => d.push_id),
  messages: page.items.map((d) => d.message),
});

beforeAll(async () => {
  store = await startMongoDb('inbox-page-cache');
  writer = new Deliveries(store.db);
  a = new StudentNotifications(new Deliveries(store.db));
  b = new StudentNotifications(new Deliveries(store.db));
  for (const id of [1, 2, 3]) await writer.writeChunk(push(id), [student], 0);
}, 60_000);

afterAll(async () => {
  await store?.stop();
});

describe('inbox pages kept per copy', () => {
  it('answers a page again from the cache while the inbox head is unchanged', async () => {
    expect(summary(await a.page(student, 0, 20))).toEqual({
      total: 3,
      unread: 3,
      read: [],
      messages: ['push 3', 'push 2', 'push 1'],
    });
    // Behind the services' back: the head's entries change, its `w` does not.
    await store.db
      .collection('inbox')
      .updateOne({ _id: student } as never, { $set: { 'items.0.message': 'raw' } });
    expect(summary(await a.page(student, 0, 20)).messages).toEqual(['push 3', 'push 2', 'push 1']);
    expect(summary(await b.page(student, 0, 20)).messages).toEqual(['push 3', 'push 2', 'raw']);
  });

  it("shows the other copy's first mark and the next delivery at once", async () => {
    await a.page(student, 0, 20);
    expect((await b.markRead(student, 2))?.first).toBe(true);
    expect(summary(await a.page(student, 0, 20))).toMatchObject({ total: 3, unread: 2, read: [2] });
    // A repeat of the mark changes nothing, and the kept page stays right.
    expect((await b.markRead(student, 2))?.first).toBe(false);
    expect(summary(await a.page(student, 0, 20))).toMatchObject({ unread: 2, read: [2] });

    await writer.writeChunk(push(4), [student], 0);
    expect(summary(await a.page(student, 0, 20))).toMatchObject({ total: 4, unread: 3, read: [2] });
    expect(summary(await a.page(student, 0, 1)).messages).toEqual(['push 4']);
  });
});
