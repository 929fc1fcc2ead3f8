import type { NatsConnection } from '@im/bus';
import { DeadLetterHeaders, deadLetterSubject, Streams } from '@im/contracts';
import type { MongoStore } from '@im/store';
import { pollUntil, readStreamMessages } from '@im/testkit';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EventPublisher,
  ensureStream,
  type JetStreamHandles,
  Outbox,
  PermanentFailure,
  runConsumer,
  startRelay,
} from '../src/index.js';
import { type EventsServers, log, startEventsServers } from './fixture.js';

let servers: EventsServers;
let store: MongoStore;
let nc: NatsConnection;
let jet: JetStreamHandles;
const TEST_STREAM = { name: 'TEST_EVENTS', subjects: ['test.events.>'] };

beforeAll(async () => {
  servers = await startEventsServers('events');
  ({ nc, jet, store } = await servers.client('events-test'));
  await ensureStream(jet.jsm, TEST_STREAM);
  await ensureStream(jet.jsm, Streams.deadLetters);
});
afterAll(() => servers?.stop());

const readAll = (stream: string, subject: string) => readStreamMessages(nc, stream, subject);
const within = (ms: number) => Date.now() + ms;

describe('ensureStream', () => {
  it('is idempotent', async () => {
    await ensureStream(jet.jsm, TEST_STREAM);
    await ensureStream(jet.jsm, TEST_STREAM);
    const info = await jet.jsm.streams.info(TEST_STREAM.name);
    expect(info.config.subjects).toEqual(['test.events.>']);
  });
});

describe('outbox and relay', () => {
  it('publishes what was left pending exactly once, even when relays overlap', async () => {
    const prepared: string[] = [];
    // Two copies of a service, each with its own relay over the same collection.
    const outbox = new Outbox(store.db, { collection: 'outbox_relay' });
    const source = new Outbox(store.db, {
      collection: 'outbox_relay',
      prepare: async (event) => {
        prepared.push(event.id);
      },
    });
    await outbox.ensureIndexes();
    await outbox.add({ id: 'ev-1', subject: 'test.events.relay', payload: { n: 1 } });
    await outbox.add({ id: 'ev-2', subject: 'test.events.relay', payload: { n: 2 } });
    const publisher = new EventPublisher(jet.js);
    const a = startRelay({ sources: [source], publisher, log, intervalMs: 60_000 });
    const b = startRelay({ sources: [outbox], publisher, log, intervalMs: 60_000 });
    await Promise.all([a.runOnce(0), b.runOnce(0)]);
    await Promise.all([a.stop(), b.stop()]);

    expect(await outbox.countPending()).toBe(0);
    expect(prepared.length).toBeGreaterThan(0);
    const messages = await readAll(TEST_STREAM.name, 'test.events.relay');
    expect(messages.map((m) => m.data)).toEqual([{ n: 1 }, { n: 2 }]);
  });
});

describe('runConsumer', () => {
  const Schema = Type.Object({ n: Type.Integer() });

  it('retries a failing handler, then parks the message on the dead-letter subject with the error', async () => {
    const attempts: number[] = [];
    const consumer = await runConsumer(jet, log, {
      stream: TEST_STREAM.name,
      durable: 'test-retry',
      filterSubject: 'test.events.retry',
      schema: Schema,
      maxAttempts: 3,
      backoffMs: [50],
      handle: async (_event, meta) => {
        attempts.push(meta.deliveryCount);
        throw new Error('disk on fire');
      },
    });
    await jet.js.publish('test.events.retry', JSON.stringify({ n: 1 }), { msgID: 'retry-1' });
    await pollUntil(
      async () => (await readAll(Streams.deadLetters.name, deadLetterSubject('test-retry'))).length === 1,
      within(15_000),
    );
    await consumer.stop();
    expect(attempts).toEqual([1, 2, 3]);
    const [dead] = await readAll(Streams.deadLetters.name, deadLetterSubject('test-retry'));
    expect(dead!.data).toEqual({ n: 1 });
    expect(dead!.header(DeadLetterHeaders.reason)).toBe('disk on fire');
    expect(dead!.header(DeadLetterHeaders.subject)).toBe('test.events.retry');
    expect(dead!.header(DeadLetterHeaders.attempts)).toBe('3');
  });

  it('dead-letters at once what the handler says retrying cannot fix', async () => {
    const attempts: number[] = [];
    const consumer = await runConsumer(jet, log, {
      stream: TEST_STREAM.name,
      durable: 'test-permanent',
      filterSubject: 'test.events.permanent',
      schema: Schema,
      maxAttempts: 5,
      backoffMs: [50],
      handle: async (_event, meta) => {
        attempts.push(meta.deliveryCount);
        throw new PermanentFailure('occurred_at: not a real instant');
      },
    });
    await jet.js.publish('test.events.permanent', JSON.stringify({ n: 1 }), { msgID: 'permanent-1' });
    await pollUntil(
      async () => (await readAll(Streams.deadLetters.name, deadLetterSubject('test-permanent'))).length === 1,
      within(10_000),
    );
    await consumer.stop();
    expect(attempts).toEqual([1]);
    const [dead] = await readAll(Streams.deadLetters.name, deadLetterSubject('test-permanent'));
    expect(dead!.header(DeadLetterHeaders.reason)).toBe('occurred_at: not a real instant');
    expect(dead!.header(DeadLetterHeaders.attempts)).toBe('1');
  });

  it('dead-letters a malformed payload at once and keeps serving the next one', async () => {
    const handled: number[] = [];
    const consumer = await runConsumer(jet, log, {
      stream: TEST_STREAM.name,
      durable: 'test-malformed',
      filterSubject: 'test.events.malformed',
      schema: Schema,
      handle: async (event) => {
        handled.push(event.n);
      },
    });
    await jet.js.publish('test.events.malformed', '{"n": "not a number"}', { msgID: 'bad-1' });
    await jet.js.publish('test.events.malformed', 'not json at all', { msgID: 'bad-2' });
    await jet.js.publish('test.events.malformed', JSON.stringify({ n: 2 }), { msgID: 'good-1' });
    await pollUntil(async () => handled.length === 1, within(10_000));
    const dead = await readAll(Streams.deadLetters.name, deadLetterSubject('test-malformed'));
    await consumer.stop();
    expect(handled).toEqual([2]);
    expect(dead).toHaveLength(2);
    for (const m of dead) {
      expect(m.header(DeadLetterHeaders.reason)).toMatch(/^invalid payload/);
      expect(m.header(DeadLetterHeaders.attempts)).toBe('1');
    }
    // Nothing is left to redeliver: the consumer has no pending or unacknowledged messages.
    const info = await jet.jsm.consumers.info(TEST_STREAM.name, 'test-malformed');
    expect(info.num_pending + info.num_ack_pending).toBe(0);
    expect(info.config.ack_policy).toBe(AckPolicy.Explicit);
    expect(info.config.deliver_policy).toBe(DeliverPolicy.All);
  });
});
