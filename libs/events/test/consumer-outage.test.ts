import { closeBus, connectBus, type NatsConnection } from '@im/bus';
import { deadLetterSubject, Streams } from '@im/contracts';
import { createLogger } from '@im/log';
import { type NatsHandle, pollUntil, readStreamMessages, startNats } from '@im/testkit';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureStream,
  type JetStreamHandles,
  openJetStream,
  PermanentFailure,
  runConsumer,
} from '../src/index.js';

/**
 * A database that does not answer in time is an outage, not a bad message: the consumer retries
 * past its attempts instead of dead-lettering, and the message is handled once the database is
 * back. Any other failure still ends in the dead letters after `maxAttempts`.
 */
const log = createLogger({ name: 'test', level: 'silent' });
const STREAM = { name: 'OUTAGE_EVENTS', subjects: ['outage.events.>'] };
let nats: NatsHandle;
let nc: NatsConnection;
let jet: JetStreamHandles;

/** What the MongoDB driver throws when no answer came within socketTimeoutMS. */
class MongoNetworkTimeoutError extends Error {
  override readonly name = 'MongoNetworkTimeoutError';
}

beforeAll(async () => {
  nats = await startNats();
  nc = await connectBus({ servers: nats.url, name: 'consumer-outage-test', log });
  jet = await openJetStream(nc);
  await ensureStream(jet.jsm, STREAM);
  await ensureStream(jet.jsm, Streams.deadLetters);
});
afterAll(async () => {
  await closeBus(nc);
  await nats?.stop();
});

const deadLettered = async (durable: string) =>
  (await readStreamMessages(nc, Streams.deadLetters.name, deadLetterSubject(durable))).length;

describe('a consumer during a database outage', () => {
  it('retries past maxAttempts while the database times out, then handles the message once', async () => {
    let failuresLeft = 6; // twice maxAttempts
    const handled: number[] = [];
    const consumer = await runConsumer(jet, log, {
      stream: STREAM.name,
      durable: 'outage-db',
      filterSubject: 'outage.events.db',
      schema: Type.Object({ n: Type.Integer() }),
      maxAttempts: 3,
      backoffMs: [50],
      handle: async (event) => {
        if (failuresLeft-- > 0) throw new MongoNetworkTimeoutError('connection 7 to 127.0.0.1 timed out');
        handled.push(event.n);
      },
    });
    await jet.js.publish('outage.events.db', JSON.stringify({ n: 1 }), { msgID: 'outage-1' });
    expect(await pollUntil(async () => handled.length > 0, Date.now() + 15_000, undefined, 50)).toBe(true);
    expect(handled).toEqual([1]);
    expect(await deadLettered('outage-db')).toBe(0);
    await consumer.stop();
  });

  it('still dead-letters a failure of the message itself after maxAttempts', async () => {
    let attempts = 0;
    const consumer = await runConsumer(jet, log, {
      stream: STREAM.name,
      durable: 'outage-bad',
      filterSubject: 'outage.events.bad',
      schema: Type.Object({ n: Type.Integer() }),
      maxAttempts: 2,
      backoffMs: [50],
      handle: async () => {
        attempts++;
        throw new PermanentFailure('refused for what it is');
      },
    });
    await jet.js.publish('outage.events.bad', JSON.stringify({ n: 2 }), { msgID: 'outage-2' });
    expect(await pollUntil(async () => (await deadLettered('outage-bad')) === 1, Date.now() + 15_000)).toBe(
      true,
    );
    expect(attempts).toBe(1);
    await consumer.stop();
  });
});
