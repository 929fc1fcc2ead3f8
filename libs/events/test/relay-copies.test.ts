import type { NatsConnection } from '@im/bus';
import { readStreamMessages } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventPublisher, ensureStream, Outbox, startRelay } from '../src/index.js';
import { type EventsClient, type EventsServers, log, startEventsServers } from './fixture.js';

/**
 * Two copies of a service, each with its own NATS connection, MongoDB client and relay, over one
 * outbox collection (the MongoDB-wire server the testkit starts: FerretDB here) and one stream.
 * Nothing claims an event: both relays may publish the same one, and the stream's duplicate
 * window drops the repeat. What must hold: every event lands exactly once.
 */
const STREAM = { name: 'COPIES_EVENTS', subjects: ['copies.events.>'] };
/** A short window for the horizon test: 70 s less the 5 s timeout and 60 s for clocks = 5 s. */
const SHORT = { name: 'COPIES_SHORT', subjects: ['copies.short.>'] };
const SHORT_WINDOW_MS = 70_000;

type Copy = EventsClient;

let servers: EventsServers;
let copies: Copy[] = [];

beforeAll(async () => {
  servers = await startEventsServers('relay_copies');
  copies = await Promise.all(['copy-a', 'copy-b'].map((name) => servers.client(name)));
  const { jsm } = (copies[0] as Copy).jet;
  await ensureStream(jsm, STREAM);
  await ensureStream(jsm, SHORT, { duplicateWindowMs: SHORT_WINDOW_MS });
});
afterAll(() => servers?.stop());

const outboxOf = (copy: Copy, collection: string) => new Outbox(copy.store.db, { collection });

/** Every message on the stream's subject, by its Nats-Msg-Id. */
async function msgIds(stream: string, subject: string): Promise<string[]> {
  const nc = copies[0]?.nc as NatsConnection;
  return (await readStreamMessages(nc, stream, subject)).map((m) => m.header('Nats-Msg-Id') ?? '?').sort();
}

describe('two relays of two copies over one outbox', () => {
  it('land every pending event exactly once, also those a dead copy had published already', async () => {
    const [a, b] = copies as [Copy, Copy];
    const subject = 'copies.events.pending';
    const ids = Array.from({ length: 40 }, (_, i) => `copies-${String(i).padStart(2, '0')}`);
    const writer = outboxOf(a, 'outbox_copies');
    await writer.ensureIndexes();
    for (const [i, id] of ids.entries()) await writer.add({ id, subject, payload: { n: i } });
    // A dead copy published every fourth and died before deleting its record: the relays find
    // those pending too, and publish them again.
    const dead = new EventPublisher(a.jet.js);
    for (const [i, id] of ids.entries())
      if (i % 4 === 0) await dead.publish({ id, subject, payload: { n: i } });

    const relays = [a, b].map((copy) =>
      startRelay({
        sources: [outboxOf(copy, 'outbox_copies')],
        publisher: new EventPublisher(copy.jet.js),
        log,
        intervalMs: 100_000, // driven by runOnce below
        batch: 15,
      }),
    );
    try {
      // Both copies' passes at the same moments, over and over, until nothing is pending.
      let published = 0;
      for (let round = 0; round < 10 && (await writer.countPending()) > 0; round++) {
        published += (await Promise.all(relays.map((r) => r.runOnce(0)))).reduce((x, y) => x + y, 0);
      }
      expect(await writer.countPending()).toBe(0);
      // Publishes of the same event by both relays, and those of the dead copy, were repeats.
      expect(published).toBeGreaterThanOrEqual(ids.length);
    } finally {
      await Promise.all(relays.map((r) => r.stop()));
    }
    expect(await msgIds(STREAM.name, subject)).toEqual(ids);
    const messages = await readStreamMessages(a.nc, STREAM.name, subject);
    expect(messages.map((m) => (m.data as { n: number }).n).sort((x, y) => x - y)).toEqual(
      ids.map((_, i) => i),
    );
  });

  it('park an event past its republish horizon instead of publishing it, until an operator retries it', async () => {
    const [a, b] = copies as [Copy, Copy];
    const subject = 'copies.short.late';
    const collection = 'outbox_late';
    const writer = outboxOf(a, collection);
    await writer.ensureIndexes();
    // Written 6 s ago: past the 5 s horizon of the short window.
    const written = new Date(Date.now() - 6_000);
    await a.store.db.collection(collection).insertOne({
      _id: 'late-1' as never,
      subject,
      payload: { n: 1 },
      sent: false,
      created_at: written,
      retry_at: written,
      attempts: 0,
      parked: false,
    });
    const relays = [a, b].map((copy) =>
      startRelay({
        sources: [outboxOf(copy, collection)],
        publisher: new EventPublisher(copy.jet.js),
        log,
        intervalMs: 2_000,
        minAgeMs: 0,
        maxAttempts: 1,
        duplicateWindowMs: SHORT_WINDOW_MS,
      }),
    );
    try {
      await Promise.all(relays.map((r) => r.runOnce(0)));
      const doc = await a.store.db.collection(collection).findOne({ _id: 'late-1' as never });
      expect(doc).toMatchObject({ sent: false, parked: true, attempts: 1 });
      expect(doc?.last_error).toMatch(
        /^TooLateToPublish: not published: written \d+ s ago, past the 5 s within which/,
      );
      expect(await msgIds(SHORT.name, subject)).toEqual([]);

      // The operator's retry starts a fresh horizon: published, once.
      expect(await writer.retryParked()).toBe(1);
      await Promise.all(relays.map((r) => r.runOnce(0)));
      expect(await writer.countPending()).toBe(0);
      expect(await msgIds(SHORT.name, subject)).toEqual(['late-1']);
    } finally {
      await Promise.all(relays.map((r) => r.stop()));
    }
  });
});
