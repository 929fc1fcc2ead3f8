import type { NatsConnection } from '@im/bus';
import type { MongoStore } from '@im/store';
import { pollUntil, readStreamMessages } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventPublisher, ensureStream, type JetStreamHandles, Outbox, startRelay } from '../src/index.js';
import { type EventsServers, log, startEventsServers } from './fixture.js';

/**
 * The relay's two ways to work at rest: woken in-process by a publish that failed here, and a rare
 * sweep for what a dead copy left. Each relay here has its sweep far off or short, so an event
 * that arrives says which way took it.
 */
const NEVER = 600_000;
let servers: EventsServers;
let store: MongoStore;
let nc: NatsConnection;
let jet: JetStreamHandles;

beforeAll(async () => {
  servers = await startEventsServers('relay_wake');
  ({ nc, jet, store } = await servers.client('relay-wake-test'));
});
afterAll(() => servers?.stop());

const arrived = (stream: string, subject: string, count = 1) =>
  pollUntil(
    async () => (await readStreamMessages(nc, stream, subject)).length >= count,
    Date.now() + 20_000,
    undefined,
    50,
  );

describe('a relay woken by its own process', () => {
  it('publishes an event whose publish failed here once it can, with no sweep in between', async () => {
    const outbox = new Outbox(store.db, { collection: 'outbox_woken' });
    await outbox.ensureIndexes();
    const publisher = new EventPublisher(jet.js, 1_000);
    const relay = startRelay({
      sources: [outbox],
      publisher,
      log,
      intervalMs: NEVER,
      busyIntervalMs: 100,
      minAgeMs: 200,
    });
    // What a request does: the event written first, then its publish, which fails: the stream
    // it goes to is not there yet (as while a restarted server restores its streams).
    const event = { id: 'woken-1', subject: 'woken.events.created', payload: { n: 1 } };
    await outbox.add(event);
    await expect(publisher.publish(event)).rejects.toThrow();

    await ensureStream(jet.jsm, { name: 'WOKEN_EVENTS', subjects: ['woken.events.>'] });
    expect(await arrived('WOKEN_EVENTS', event.subject)).toBe(true);
    expect(await pollUntil(async () => (await outbox.countPending()) === 0, Date.now() + 10_000)).toBe(true);
    expect((await readStreamMessages(nc, 'WOKEN_EVENTS', event.subject)).map((m) => m.data)).toEqual([
      { n: 1 },
    ]);
    await relay.stop();
  });

  it('is also woken by hand, for a change that stopped before its publish', async () => {
    await ensureStream(jet.jsm, { name: 'HAND_EVENTS', subjects: ['hand.events.>'] });
    const outbox = new Outbox(store.db, { collection: 'outbox_hand' });
    await outbox.ensureIndexes();
    const relay = startRelay({
      sources: [outbox],
      publisher: new EventPublisher(jet.js),
      log,
      intervalMs: NEVER,
      busyIntervalMs: 100,
      minAgeMs: 200,
    });
    await outbox.add({ id: 'hand-1', subject: 'hand.events.x', payload: { n: 2 } });
    relay.wake();
    expect(await arrived('HAND_EVENTS', 'hand.events.x')).toBe(true);
    await relay.stop();
  });
});

describe('the sweep', () => {
  it('publishes an event a dead copy left, which nothing in this process knows of', async () => {
    await ensureStream(jet.jsm, { name: 'SWEPT_EVENTS', subjects: ['swept.events.>'] });
    // The dead copy wrote its event and never published it; this copy's relay was not told.
    const deadCopy = new Outbox(store.db, { collection: 'outbox_swept' });
    await deadCopy.ensureIndexes();
    await deadCopy.add({ id: 'swept-1', subject: 'swept.events.x', payload: { n: 3 } });

    const outbox = new Outbox(store.db, { collection: 'outbox_swept' });
    const relay = startRelay({
      sources: [outbox],
      publisher: new EventPublisher(jet.js),
      log,
      intervalMs: 300,
      busyIntervalMs: 100,
      minAgeMs: 200,
    });
    expect(await arrived('SWEPT_EVENTS', 'swept.events.x')).toBe(true);
    expect(await pollUntil(async () => (await outbox.countPending()) === 0, Date.now() + 10_000)).toBe(true);
    await relay.stop();
  });
});
