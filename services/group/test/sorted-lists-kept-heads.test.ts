import { closeBus, connectBus, type NatsConnection } from '@im/bus';
import { NoticedCache } from '@im/events';
import { createLogger } from '@im/log';
import { type MongoCopies, type NatsHandle, startMongoCopies, startNats } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SortedHead } from '../src/repositories/sorted-lists/model.js';
import { SortedLists } from '../src/repositories/sorted-lists.js';

/**
 * SortedLists with kept heads (`heads`): two copies, each its own database client, NATS
 * connection and NoticedCache, as two processes of the group service. A raw write behind both
 * copies' backs shows when a read came from what a copy kept.
 */
const log = createLogger({ name: 'test', level: 'silent' });
let server: MongoCopies;
let nats: NatsHandle;
let conns: NatsConnection[] = [];
const caches: NoticedCache<SortedHead<E, number>>[] = [];
let listNo = 0;

beforeAll(async () => {
  [server, nats] = await Promise.all([startMongoCopies('kept_heads'), startNats()]);
  conns = await Promise.all([0, 1].map((i) => connectBus({ servers: nats.url, name: `copy-${i}`, log })));
}, 120_000);

afterAll(async () => {
  for (const cache of caches) cache.close();
  for (const nc of conns) await closeBus(nc);
  await Promise.all([server?.stop(), nats?.stop()]);
});

interface E {
  id: number;
  name?: string;
}

/** Two copies of one list collection; `subjects` apart means the copies do not hear each other. */
async function copies(subjects: [string, string] = ['shared', 'shared']) {
  const collection = `list_${++listNo}`;
  return Promise.all(
    [0, 1].map(async (i) => {
      const heads = await NoticedCache.open<SortedHead<E, number>>(conns[i]!, {
        subject: `test.notices.${collection}.${subjects[i]}`,
        maxEntries: 100,
        maxAgeMs: 60_000,
        log,
      });
      caches.push(heads);
      return new SortedLists<E, number>(server.dbs[i]!, collection, {
        keyOf: (e) => e.id,
        chunkSize: 4,
        tailSize: 4,
        cachePagesUpTo: 100,
        heads,
      });
    }),
  );
}

const ids = (page: { items: E[] }) => page.items.map((e) => e.id);
const upserts = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ id: from + i }));

/** Both round trips behind every notice published so far. */
const heard = async () => {
  for (const nc of conns) await nc.flush();
  for (const nc of conns) await nc.flush();
};

describe('SortedLists with kept heads', () => {
  it('answers a page asked again from what it kept: no look-up sees a write behind its back', async () => {
    const [a] = await copies();
    await a!.change('k', { upsert: upserts(1, 10) });
    await heard(); // its own notice too
    expect(ids(await a!.page('k', 0, 3))).toEqual([1, 2, 3]);
    // Behind every copy's back: the stored head says the list is empty, with a new version.
    await a!.docs.updateOne({ _id: 'k' }, { $set: { n: 0, v: 999 } });
    expect(await a!.page('k', 0, 3)).toEqual({ total: 10, items: [{ id: 1 }, { id: 2 }, { id: 3 }] });
    expect(await a!.version('k')).not.toBe(999);
  });

  it("shows a copy's own write at once, and the other copy's once its notice is heard", async () => {
    const [a, b] = await copies();
    await a!.change('k', { upsert: upserts(1, 3) });
    expect((await b!.page('k', 0, 10)).total).toBe(3);
    const before = await b!.version('k');

    await a!.change('k', { upsert: [{ id: 0 }] });
    expect(ids(await a!.page('k', 0, 10))).toEqual([0, 1, 2, 3]);
    await heard();
    expect(ids(await b!.page('k', 0, 10))).toEqual([0, 1, 2, 3]);
    expect(await b!.version('k')).toBe(before + 1);

    await b!.change('k', { remove: [2] });
    await heard();
    expect(ids(await a!.page('k', 0, 10))).toEqual([0, 1, 3]);
  });

  it('reads the stored head again when the chunks a kept head names are gone (a notice not heard)', async () => {
    const [a, b] = await copies(['a', 'b']);
    await a!.change('k', { upsert: upserts(1, 12) });
    expect(ids(await b!.page('k', 5, 3))).toEqual([6, 7, 8]);
    // A rewrites every chunk (copy on write: the old ones are deleted); B does not hear of it.
    for (let id = 1; id <= 12; id++)
      await a!.change('k', { patch: { key: id, change: () => ({ id, name: 'new' }) } });
    await a!.change('k', { remove: [1, 2, 3] });
    // The page asked before is kept at the kept head's version: a lost notice shows it late.
    expect(await b!.page('k', 5, 3)).toEqual({ total: 12, items: [{ id: 6 }, { id: 7 }, { id: 8 }] });
    // Another page reads the chunks the kept head names: gone, so the stored head is read.
    expect(await b!.page('k', 4, 4)).toEqual({
      total: 9,
      items: [8, 9, 10, 11].map((id) => ({ id, name: 'new' })),
    });
  });
});
