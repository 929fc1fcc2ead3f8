import { setTimeout as sleep } from 'node:timers/promises';
import { closeBus, connectBus, type NatsConnection } from '@im/bus';
import { deadLetterSubject, Streams } from '@im/contracts';
import { createLogger } from '@im/log';
import { type NatsHandle, pollUntil, readStreamMessages, startNats } from '@im/testkit';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureStream, type JetStreamHandles, openJetStream, runConsumer } from '../src/index.js';

/**
 * Messages a consumer holds must not run out their ack wait while it is busy with others: before,
 * a copy prefetched max_ack_pending messages and handled them one by one, so the buffered ones
 * were redelivered (and counted as attempts) while they waited.
 */
const log = createLogger({ name: 'test', level: 'silent' });
const STREAM = { name: 'SLOW_EVENTS', subjects: ['slow.events.>'] };
let nats: NatsHandle;
let nc: NatsConnection;
let jet: JetStreamHandles;

beforeAll(async () => {
  nats = await startNats();
  nc = await connectBus({ servers: nats.url, name: 'consumer-concurrency-test', log });
  jet = await openJetStream(nc);
  await ensureStream(jet.jsm, STREAM);
  await ensureStream(jet.jsm, Streams.deadLetters);
});
afterAll(async () => {
  await closeBus(nc);
  await nats?.stop();
});

describe('a consumer with slow handlers', () => {
  it('handles `concurrency` at once and keeps every held message alive: none redelivered, none dead-lettered', async () => {
    const MESSAGES = 7;
    const deliveries: { n: number; deliveryCount: number }[] = [];
    let running = 0;
    let mostAtOnce = 0;
    const consumer = await runConsumer(jet, log, {
      stream: STREAM.name,
      durable: 'slow-handler',
      filterSubject: 'slow.events.work',
      schema: Type.Object({ n: Type.Integer() }),
      ackWaitMs: 1_000,
      maxAckPending: 16,
      concurrency: 2,
      maxAttempts: 2,
      backoffMs: [100],
      handle: async (event, meta) => {
        running++;
        mostAtOnce = Math.max(mostAtOnce, running);
        deliveries.push({ n: event.n, deliveryCount: meta.deliveryCount });
        // Longer than the ack wait, and nothing in the handler calls working() itself.
        await sleep(1_600);
        running--;
      },
    });
    for (let n = 1; n <= MESSAGES; n++) {
      await jet.js.publish('slow.events.work', JSON.stringify({ n }), { msgID: `slow-${n}` });
    }
    const done = await pollUntil(
      async () => {
        const info = await jet.jsm.consumers.info(STREAM.name, 'slow-handler');
        return info.num_ack_pending === 0 && info.num_pending === 0 && deliveries.length >= MESSAGES;
      },
      Date.now() + 30_000,
      undefined,
      100,
    );
    const info = await jet.jsm.consumers.info(STREAM.name, 'slow-handler');
    await consumer.stop();

    expect(done).toBe(true);
    expect(deliveries.map((d) => d.deliveryCount)).toEqual(Array(MESSAGES).fill(1));
    expect(deliveries.map((d) => d.n).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(info.num_redelivered).toBe(0);
    expect(mostAtOnce).toBe(2);
    expect(await readStreamMessages(nc, Streams.deadLetters.name, deadLetterSubject('slow-handler'))).toEqual(
      [],
    );
  });

  it('applies one at a time, in stream order, by default (as projections need)', async () => {
    const seen: number[] = [];
    let running = 0;
    let overlapped = false;
    const consumer = await runConsumer(jet, log, {
      stream: STREAM.name,
      durable: 'serial-handler',
      filterSubject: 'slow.events.serial',
      schema: Type.Object({ n: Type.Integer() }),
      prefetch: 4,
      handle: async (event) => {
        running++;
        if (running > 1) overlapped = true;
        await sleep(20);
        seen.push(event.n);
        running--;
      },
    });
    for (let n = 1; n <= 12; n++) {
      await jet.js.publish('slow.events.serial', JSON.stringify({ n }), { msgID: `serial-${n}` });
    }
    expect(await pollUntil(async () => seen.length === 12, Date.now() + 15_000, undefined, 25)).toBe(true);
    await consumer.stop();
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(overlapped).toBe(false);
  });
});
