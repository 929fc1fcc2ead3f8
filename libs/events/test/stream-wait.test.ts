import { closeBus, connectBus, type NatsConnection } from '@im/bus';
import { Streams } from '@im/contracts';
import { createLogger } from '@im/log';
import { type NatsHandle, pollUntil, startNats } from '@im/testkit';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EventPublisher,
  ensureDirectoryStream,
  ensureStream,
  type JetStreamHandles,
  openJetStream,
  runConsumer,
} from '../src/index.js';

/**
 * A consumer started before its stream exists (the publisher's side starts later): the start
 * resolves at once, one line says what it waits for, and it binds and consumes once the stream
 * is created. Real nats-server, no mocks.
 */
const quiet = createLogger({ name: 'test', level: 'silent' });
let nats: NatsHandle;
let nc: NatsConnection;
let jet: JetStreamHandles;

beforeAll(async () => {
  nats = await startNats();
  nc = await connectBus({ servers: nats.url, name: 'stream-wait-test', log: quiet });
  jet = await openJetStream(nc);
  await ensureStream(jet.jsm, Streams.deadLetters);
});
afterAll(async () => {
  await closeBus(nc);
  await nats.stop();
});

interface Line {
  level: number;
  msg: string;
  stream?: string;
}

function capturingLog() {
  const lines: Line[] = [];
  const log = createLogger({
    name: 'test',
    level: 'info',
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  });
  return { log, lines };
}

const Event = Type.Object({ event_id: Type.String(), n: Type.Integer() });

describe('runConsumer before its stream exists', () => {
  it('starts at once, logs one waiting line, then binds and consumes once the stream is created', async () => {
    const stream = { name: 'LATE_EVENTS', subjects: ['late.events.>'] };
    const { log, lines } = capturingLog();
    const seen: number[] = [];
    const started = Date.now();
    const consumer = await runConsumer(jet, log, {
      stream: stream.name,
      durable: 'late-consumer',
      filterSubject: 'late.events.>',
      schema: Event,
      streamWait: { firstDelayMs: 20, maxDelayMs: 100 },
      handle: async (event) => {
        seen.push(event.n);
      },
    });
    // Not held up by the missing stream, and not bound yet.
    expect(Date.now() - started).toBeLessThan(2_000);
    let bound: boolean | undefined;
    void consumer.bound.then((b) => {
      bound = b;
    });

    // Several looks (20, 40, 80, 100, 100 ms ...) and still one line about the wait.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(bound).toBeUndefined();
    const waiting = lines.filter((l) => l.msg.startsWith('waiting for stream'));
    expect(waiting).toHaveLength(1);
    expect(waiting[0]?.msg).toBe('waiting for stream LATE_EVENTS (created by its publisher)');
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
    await expect(jet.jsm.consumers.info(stream.name, 'late-consumer')).rejects.toThrow(/stream not found/);

    // The publisher's side comes up: creates its stream and publishes.
    await ensureStream(jet.jsm, stream);
    const publisher = new EventPublisher(jet.js);
    for (const n of [1, 2, 3]) {
      await publisher.publish({
        id: `late-${n}`,
        subject: 'late.events.created',
        payload: { event_id: `late-${n}`, n },
      });
    }
    expect(await consumer.bound).toBe(true);
    expect(await pollUntil(async () => seen.length === 3, Date.now() + 10_000)).toBe(true);
    expect(seen).toEqual([1, 2, 3]);
    const info = await jet.jsm.consumers.info(stream.name, 'late-consumer');
    expect(info.num_ack_pending).toBe(0);
    expect(lines.filter((l) => l.msg.startsWith('waiting for stream'))).toHaveLength(1);
    expect(lines.some((l) => l.msg === 'stream LATE_EVENTS is there; consumer bound')).toBe(true);
    await consumer.stop();
  });

  it('names who creates a stream of ours, and stops cleanly while still waiting', async () => {
    const { log, lines } = capturingLog();
    const consumer = await runConsumer(jet, log, {
      stream: Streams.directory.name,
      durable: 'waits-for-directory',
      filterSubject: 'directory.user.>',
      schema: Event,
      streamWait: { firstDelayMs: 20, maxDelayMs: 50 },
      handle: async () => {},
    });
    await pollUntil(async () => lines.length > 0, Date.now() + 2_000);
    expect(lines.map((l) => l.msg)).toEqual([
      'waiting for stream DIRECTORY (created by the directory, or an operator with im-ensure-streams)',
    ]);
    const stopping = Date.now();
    await consumer.stop();
    expect(Date.now() - stopping).toBeLessThan(1_000);
    expect(await consumer.bound).toBe(false);

    // Stopped means stopped: a stream created later gets no consumer from it.
    await ensureDirectoryStream(jet.jsm);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(jet.jsm.consumers.info(Streams.directory.name, 'waits-for-directory')).rejects.toThrow(
      /consumer not found/,
    );
    const info = await jet.jsm.streams.info(Streams.directory.name);
    expect(info.config.subjects).toEqual(['directory.>']);
    await jet.jsm.streams.delete(Streams.directory.name);
  });

  it('binds at once, without a waiting line, when the stream is already there', async () => {
    const stream = { name: 'EARLY_EVENTS', subjects: ['early.events.>'] };
    await ensureStream(jet.jsm, stream);
    const { log, lines } = capturingLog();
    const consumer = await runConsumer(jet, log, {
      stream: stream.name,
      durable: 'early-consumer',
      filterSubject: 'early.events.>',
      schema: Event,
      handle: async () => {},
    });
    expect(await consumer.bound).toBe(true);
    expect((await jet.jsm.consumers.info(stream.name, 'early-consumer')).name).toBe('early-consumer');
    expect(lines.filter((l) => l.msg.startsWith('waiting'))).toEqual([]);
    await consumer.stop();
  });
});
