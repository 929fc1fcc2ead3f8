import { closeBus, connectBus, type NatsConnection } from '@im/bus';
import { NoticedCache } from '@im/events';
import { createLogger } from '@im/log';
import { type MongoCopies, type NatsHandle, startMongoCopies, startNats } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deliveries } from '../src/repositories/deliveries.js';
import { StudentNotifications } from '../src/repositories/student-notifications.js';
import { classMessage } from './workers-harness.js';

/**
 * Each copy of the workers keeps its inboxes' head versions (`w`) until a write of that head is
 * heard (NoticedCache over a real NATS server, one connection and one database client per copy):
 * a page asked again is then no look-up at all. A raw write behind both copies' backs, which
 * moves the head's `w`, shows when a page came from what a copy kept.
 */
const log = createLogger({ name: 'test', level: 'silent' });
const subject = 'test.notices.inboxes';
let server: MongoCopies;
let nats: NatsHandle;
const conns: NatsConnection[] = [];
const caches: NoticedCache<number>[] = [];
/** Copy 0 and copy 1: each its reads and its writes (a fan-out, a mark), telling its own cache. */
const copies: { reads: StudentNotifications; writes: Deliveries }[] = [];

const push = (id: number, student: string) =>
  classMessage(id, [student], `2024-10-${String(id).padStart(2, '0')}T01:00:00.000Z`);
const messages = (page: Awaited<ReturnType<StudentNotifications['page']>>) =>
  page.items.map((d) => d.message);

/** Both round trips behind every notice published so far. */
const heard = async () => {
  for (const nc of conns) await nc.flush();
  for (const nc of conns) await nc.flush();
};

beforeAll(async () => {
  [server, nats] = await Promise.all([startMongoCopies('inbox_versions'), startNats()]);
  for (const i of [0, 1]) {
    const nc = await connectBus({ servers: nats.url, name: `workers-${i}`, log });
    const versions = await NoticedCache.open<number>(nc, { subject, maxEntries: 100, maxAgeMs: 60_000, log });
    const writes = new Deliveries(server.dbs[i]!, { inboxChanged: (uid) => versions.changed([uid]) });
    conns.push(nc);
    caches.push(versions);
    copies.push({ reads: new StudentNotifications(writes, versions), writes });
  }
}, 120_000);

afterAll(async () => {
  for (const cache of caches) cache.close();
  for (const nc of conns) await closeBus(nc);
  await Promise.all([server?.stop(), nats?.stop()]);
});

describe('inbox head versions kept per copy', () => {
  it('answers a page asked again with no look-up: a raw write that moves `w` is not seen', async () => {
    const [a, b] = copies;
    await a!.writes.writeChunk(push(1, 'k1'), ['k1'], 0);
    await heard();
    expect(messages(await b!.reads.page('k1', 0, 20))).toEqual(['push 1']);
    // Behind the services' back: the entry and the head's `w` change, and no notice goes out.
    await server.dbs[0]
      .collection('inbox')
      .updateOne({ _id: 'k1' } as never, { $set: { 'items.0.message': 'raw' }, $inc: { w: 1 } });
    expect(messages(await b!.reads.page('k1', 0, 20))).toEqual(['push 1']);
    // A copy that kept nothing reads the head, whose `w` has no page kept at it.
    expect(messages(await a!.reads.page('k1', 0, 20))).toEqual(['raw']);
  });

  it("shows a copy's own delivery and mark at once, and the other copy's once heard", async () => {
    const [a, b] = copies;
    await a!.writes.writeChunk(push(1, 'k2'), ['k2'], 0);
    await heard();
    for (const copy of [a!, b!]) expect((await copy.reads.page('k2', 0, 20)).unread).toBe(1);

    await b!.writes.writeChunk(push(2, 'k2'), ['k2'], 0);
    expect(messages(await b!.reads.page('k2', 0, 20))).toEqual(['push 2', 'push 1']);
    await heard();
    expect(messages(await a!.reads.page('k2', 0, 20))).toEqual(['push 2', 'push 1']);

    expect((await a!.reads.markRead('k2', 1))?.first).toBe(true);
    expect((await a!.reads.page('k2', 0, 20)).unread).toBe(1);
    await heard();
    const page = await b!.reads.page('k2', 0, 20);
    expect(page.unread).toBe(1);
    expect(page.items.find((d) => d.push_id === 1)?.read_at).not.toBeNull();
  });
});
