import { closeBus, connectBus, type NatsConnection } from '@im/bus';
import { createLogger } from '@im/log';
import { outboxParked } from '@im/metrics';
import { connectMongo, type MongoStore } from '@im/store';
import {
  freePort,
  type MongoHandle,
  makeTempDir,
  type NatsHandle,
  pollUntil,
  readStreamMessages,
  removeTempDir,
  startMongo,
  startNats,
  uniqueDbName,
} from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectionState,
  EventPublisher,
  ensureStream,
  type JetStreamHandles,
  Outbox,
  openJetStream,
  startRelay,
} from '../src/index.js';

/**
 * The relay over events that cannot be published. Its own NATS server, on a fixed port with a
 * kept store, so the outage test can stop it and start it again where the client reconnects.
 */
const log = createLogger({ name: 'test', level: 'silent' });
const STREAM = { name: 'RELAY_EVENTS', subjects: ['relay.events.>'] };
let natsPort: number;
let natsStore: string;
let nats: NatsHandle;
let mongo: MongoHandle;
let store: MongoStore;
let nc: NatsConnection;
let jet: JetStreamHandles;

beforeAll(async () => {
  natsPort = await freePort();
  natsStore = await makeTempDir('im-relay-nats-');
  [nats, mongo] = await Promise.all([startNats({ port: natsPort, storeDir: natsStore }), startMongo()]);
  store = await connectMongo(mongo.url, 'relay-test', uniqueDbName('relay'));
  nc = await connectBus({ servers: nats.url, name: 'relay-test', log });
  jet = await openJetStream(nc);
  await ensureStream(jet.jsm, STREAM);
});
afterAll(async () => {
  await closeBus(nc);
  await store?.close();
  await Promise.all([nats?.stop(), mongo?.stop()]);
  await removeTempDir(natsStore);
});

const published = async (subject: string, stream = STREAM.name) =>
  (await readStreamMessages(nc, stream, subject)).map((m) => m.data);
const doc = (collection: string, id: string) => store.db.collection(collection).findOne({ _id: id as never });
const parkedTotal = async (source: string) =>
  (await outboxParked.get()).values.find((v) => v.labels.source === source)?.value ?? 0;

/** An outbox whose re-apply always fails for one event, as a bug or a refused write would. */
async function outboxWithPoison(collection: string) {
  const outbox = new Outbox(store.db, {
    collection,
    prepare: async (event) => {
      if (event.id.startsWith('poison-apply')) throw new Error('apply refused:\r\nfor ever');
    },
  });
  await outbox.ensureIndexes();
  return outbox;
}

describe('the relay, one event at a time', () => {
  it('publishes the events behind ones that fail, and counts each failure on its event', async () => {
    const outbox = await outboxWithPoison('outbox_poison');
    const subject = 'relay.events.poison';
    // Both poisons are older, so they come first: one too large for max_payload, one whose apply fails.
    await outbox.add({ id: 'poison-size', subject, payload: { blob: 'x'.repeat(2 * 1024 * 1024) } });
    await outbox.add({ id: 'poison-apply', subject, payload: { n: 0 } });
    for (const n of [1, 2, 3]) await outbox.add({ id: `good-${n}`, subject, payload: { n } });
    const relay = startRelay({
      sources: [outbox],
      publisher: new EventPublisher(jet.js),
      log,
      intervalMs: 600_000,
      maxAttempts: 5,
      retryBackoffMs: [60_000],
    });

    expect(await relay.runOnce(0)).toBe(3);
    expect(await published(subject)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    const size = await doc('outbox_poison', 'poison-size');
    expect(size).toMatchObject({ sent: false, parked: false, attempts: 1 });
    expect(size?.last_error).toMatch(/payload/i);
    const apply = await doc('outbox_poison', 'poison-apply');
    // Kept safe: the CR/LF of the error is escaped, not stored raw.
    expect(apply).toMatchObject({ attempts: 1, last_error: 'apply refused:\\r\\nfor ever' });
    expect((apply!.retry_at as Date).getTime()).toBeGreaterThan(Date.now() + 50_000);

    // Not due again before its backoff: the next pass neither tries nor counts it.
    expect(await relay.runOnce(0)).toBe(0);
    expect((await doc('outbox_poison', 'poison-apply'))?.attempts).toBe(1);
    await relay.stop();
  });

  it('parks an event after its last attempt, with its error, and retries it once an operator asks', async () => {
    const outbox = await outboxWithPoison('outbox_park');
    const subject = 'relay.events.park';
    await outbox.add({ id: 'poison-apply-park', subject, payload: { n: 0 } });
    const relay = startRelay({
      sources: [outbox],
      publisher: new EventPublisher(jet.js),
      log,
      intervalMs: 600_000,
      maxAttempts: 3,
      retryBackoffMs: [0],
    });
    const parkedBefore = await parkedTotal('outbox_park');
    for (let pass = 0; pass < 5; pass++) await relay.runOnce(0);

    const parked = await doc('outbox_park', 'poison-apply-park');
    expect(parked).toMatchObject({ sent: false, parked: true, attempts: 3 });
    expect(parked?.last_error).toContain('apply refused');
    expect(parked?.parked_at).toBeInstanceOf(Date);
    expect(await parkedTotal('outbox_park')).toBe(parkedBefore + 1);
    expect(await outbox.countParked()).toBe(1);

    // What docs/broadcast.md tells an operator to run: due again, with a fresh count.
    await outbox.add({ id: 'late-good', subject, payload: { n: 1 } });
    await store.db
      .collection('outbox_park')
      .updateMany(
        { sent: false, parked: true },
        { $set: { parked: false, attempts: 0, retry_at: new Date() } },
      );
    await relay.runOnce(0);
    expect(await doc('outbox_park', 'poison-apply-park')).toMatchObject({ parked: false, attempts: 1 });
    expect(await published(subject)).toEqual([{ n: 1 }]);
    await relay.stop();
  });

  it('still finds events written before attempts were counted', async () => {
    const outbox = await outboxWithPoison('outbox_legacy');
    // The shape an older version inserted: no retry_at, attempts or parked.
    await store.db.collection('outbox_legacy').insertOne({
      _id: 'legacy-1' as never,
      subject: 'relay.events.legacy',
      payload: { n: 7 },
      sent: false,
      created_at: new Date(Date.now() - 60_000),
    });
    const relay = startRelay({
      sources: [outbox],
      publisher: new EventPublisher(jet.js),
      log,
      intervalMs: 600_000,
    });
    expect(await relay.runOnce(0)).toBe(1);
    expect(await published('relay.events.legacy')).toEqual([{ n: 7 }]);
    await relay.stop();
  });
});

describe('the relay during a NATS outage', () => {
  it('counts no attempt while JetStream does not serve the stream, and publishes once it does', async () => {
    const gone = { name: 'RELAY_GONE', subjects: ['relay.gone.>'] };
    await ensureStream(jet.jsm, gone);
    await jet.jsm.streams.delete(gone.name); // as while a restarted server restores its streams
    const outbox = await outboxWithPoison('outbox_unavailable');
    await outbox.add({ id: 'while-unserved', subject: 'relay.gone.x', payload: { n: 1 } });
    const relay = startRelay({
      sources: [outbox],
      publisher: new EventPublisher(jet.js, 500),
      log,
      intervalMs: 600_000,
      maxAttempts: 1,
    });
    for (let pass = 0; pass < 3; pass++) expect(await relay.runOnce(0)).toBe(0);
    expect(await doc('outbox_unavailable', 'while-unserved')).toMatchObject({ parked: false, attempts: 0 });

    await ensureStream(jet.jsm, gone);
    expect(await relay.runOnce(0)).toBe(1);
    expect(await published('relay.gone.x', gone.name)).toEqual([{ n: 1 }]);
    await relay.stop();
  });

  it('skips its passes while NATS is down: no attempt is counted, nothing is parked', async () => {
    const outbox = await outboxWithPoison('outbox_outage');
    await outbox.add({ id: 'during-outage', subject: 'relay.events.outage', payload: { n: 1 } });
    // One attempt allowed: a single failure counted against the event would park it.
    const relay = startRelay({
      sources: [outbox],
      publisher: new EventPublisher(jet.js, 500),
      log,
      intervalMs: 600_000,
      maxAttempts: 1,
    });
    const link = connectionState(nc);

    await nats.stop();
    expect(await pollUntil(async () => !link.connected(), Date.now() + 10_000, undefined, 20)).toBe(true);
    for (let pass = 0; pass < 3; pass++) expect(await relay.runOnce(0)).toBe(0);
    expect(await doc('outbox_outage', 'during-outage')).toMatchObject({
      sent: false,
      parked: false,
      attempts: 0,
    });

    nats = await startNats({ port: natsPort, storeDir: natsStore });
    expect(await pollUntil(async () => link.connected(), Date.now() + 20_000, undefined, 50)).toBe(true);
    const sent = await pollUntil(
      async () => (await relay.runOnce(0)) === 1 || (await outbox.countPending()) === 0,
      Date.now() + 20_000,
      undefined,
      200,
    );
    expect(sent).toBe(true);
    // Published, so gone from the outbox (which holds pending work only), never parked.
    expect(await doc('outbox_outage', 'during-outage')).toBeNull();
    expect(await published('relay.events.outage')).toEqual([{ n: 1 }]);
    await relay.stop();
  });
});
