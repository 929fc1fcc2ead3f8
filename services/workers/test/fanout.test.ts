import { closeBus, connectBus, type NatsConnection } from '@im/bus';
import { ClassEventSubjects, type ClassMessageEvent, DeadLetterHeaders, Streams } from '@im/contracts';
import { EventPublisher, ensureStream, type JetStreamHandles, openJetStream } from '@im/events';
import { createLogger } from '@im/log';
import { connectMongo, type MongoStore } from '@im/store';
import {
  type MongoHandle,
  type NatsHandle,
  pollUntil,
  readStreamMessages,
  startMongo,
  startNats,
  uniqueDbName,
} from '@im/testkit';
import { headers } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASS_MESSAGES_DEAD_LETTERS, CLASS_MESSAGES_DURABLE } from '../src/class-messages.js';
import { replayDeadLetters } from '../src/replay.js';
import { type RunningWorkers, readConfig, startWorkers } from '../src/service.js';

const log = createLogger({ name: 'test', level: 'silent' });
let nats: NatsHandle;
let mongo: MongoHandle;
let store: MongoStore;
let nc: NatsConnection;
let jet: JetStreamHandles;
let workers: RunningWorkers;

beforeAll(async () => {
  [nats, mongo] = await Promise.all([startNats(), startMongo()]);
  store = await connectMongo(mongo.url, 'workers-test', uniqueDbName('workers'));
  nc = await connectBus({ servers: nats.url, name: 'workers-test', log });
  jet = await openJetStream(nc);
  // The broadcast service's part (the workers only read IM_CLASS_EVENTS): this test publishes.
  await ensureStream(jet.jsm, Streams.classEvents);
  workers = await startWorkers({
    nc,
    db: store.db,
    log,
    config: {
      ...readConfig({ FANOUT_CHUNK_SIZE: '100', WORKERS_MAX_ATTEMPTS: '3', WORKERS_ACK_WAIT_MS: '10000' }),
      backoffMs: [100],
    },
  });
});
afterAll(async () => {
  await workers?.stop();
  await closeBus(nc);
  await store?.close();
  await Promise.all([nats?.stop(), mongo?.stop()]);
});

const deliveries = () => store.db.collection('deliveries');
const uids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

function classMessage(pushId: number, studentUids: string[]): ClassMessageEvent {
  return {
    event_id: `event-${pushId}`,
    push_id: pushId,
    class_id: 10,
    organization_id: 3,
    student_uids: studentUids,
    message: `push ${pushId}`,
    day: '2024-05-01',
    pushed_at: '2024-05-01T02:00:00.000Z',
  };
}

const publish = (id: string, payload: unknown) =>
  new EventPublisher(jet.js).publish({ id, subject: ClassEventSubjects.message, payload });

async function settled(): Promise<boolean> {
  const info = await jet.jsm.consumers.info(Streams.classEvents.name, CLASS_MESSAGES_DURABLE);
  return info.num_pending === 0 && info.num_ack_pending === 0;
}

async function exactlyOnce(pushId: number, expected: string[]) {
  const ok = await pollUntil(
    async () =>
      (await deliveries().countDocuments({ push_id: pushId })) >= expected.length && (await settled()),
    Date.now() + 20_000,
    undefined,
    25,
  );
  expect(ok).toBe(true);
  const rows = await deliveries().find({ push_id: pushId }).toArray();
  expect(rows.map((r) => r.student_uid).sort()).toEqual([...expected].sort());
}

describe('class-message fan-out', () => {
  it('writes one delivery per student, in chunks, with the push fields', async () => {
    const students = uids('a', 250);
    await publish('e-1', classMessage(1, students));
    await exactlyOnce(1, students);
    const one = await deliveries().findOne({ push_id: 1, student_uid: 'a7' });
    expect(one).toMatchObject({ class_id: 10, organization_id: 3, message: 'push 1' });
    expect(one?.pushed_at).toEqual(new Date('2024-05-01T02:00:00.000Z'));
    expect(one?.delivered_at).toBeInstanceOf(Date);
  });

  it('writes nothing twice when the same push arrives again or was half written', async () => {
    const students = uids('b', 230);
    // Half written by an attempt that crashed: those are refused by the unique index, the rest go in.
    await store.db
      .collection<{ _id: string }>('deliveries')
      .insertMany(
        students
          .filter((_, i) => i % 2 === 0)
          .map((student_uid) => ({ _id: `2:${student_uid}`, push_id: 2, student_uid, partial: true })),
      );
    await publish('e-2', classMessage(2, students));
    await exactlyOnce(2, students);
    // The same event under another msgID (the stream keeps it): a redelivery in all but name.
    await publish('e-2-again', classMessage(2, students));
    await exactlyOnce(2, students);
  });

  it('treats duplicates inside one event as done', async () => {
    await publish('e-3', classMessage(3, ['x', 'y', 'x', 'z', 'y']));
    await exactlyOnce(3, ['x', 'y', 'z']);
  });
});

describe('dead letters', () => {
  it('parks a malformed event on the dead-letter subject at once, with the error in its headers', async () => {
    await publish('bad-1', { push_id: 'not a number', student_uids: 'nope' });
    const ok = await pollUntil(
      async () =>
        (await readStreamMessages(nc, Streams.deadLetters.name, CLASS_MESSAGES_DEAD_LETTERS)).length > 0,
      Date.now() + 15_000,
    );
    expect(ok).toBe(true);
    const [dead] = await readStreamMessages(nc, Streams.deadLetters.name, CLASS_MESSAGES_DEAD_LETTERS);
    expect(dead!.data).toEqual({ push_id: 'not a number', student_uids: 'nope' });
    expect(dead!.header(DeadLetterHeaders.reason)).toMatch(/^invalid payload: /);
    expect(dead!.header(DeadLetterHeaders.subject)).toBe(ClassEventSubjects.message);
    expect(dead!.header(DeadLetterHeaders.attempts)).toBe('1');
    // Terminated, not redelivered: the consumer has nothing pending and moves on.
    expect(await pollUntil(settled, Date.now() + 10_000)).toBe(true);
    await publish('e-4', classMessage(4, ['after']));
    await exactlyOnce(4, ['after']);
  });

  it('replays a dead letter to its original subject, once, and can purge it', async () => {
    // A valid class message that was parked (say, the database was down for every attempt).
    const before = (await jet.jsm.streams.info(Streams.deadLetters.name)).state.last_seq;
    const h = headers();
    h.set(DeadLetterHeaders.subject, ClassEventSubjects.message);
    h.set(DeadLetterHeaders.reason, 'database unavailable');
    await jet.js.publish(CLASS_MESSAGES_DEAD_LETTERS, JSON.stringify(classMessage(5, uids('c', 30))), {
      headers: h,
      msgID: 'parked-5',
    });
    const lines: string[] = [];
    const dry = await replayDeadLetters(jet, {
      durable: CLASS_MESSAGES_DURABLE,
      fromSeq: before + 1,
      dryRun: true,
    });
    expect(dry).toEqual({ replayed: 1, skipped: 0 });
    expect(await deliveries().countDocuments({ push_id: 5 })).toBe(0);

    const result = await replayDeadLetters(jet, {
      durable: CLASS_MESSAGES_DURABLE,
      fromSeq: before + 1,
      purge: true,
      report: (line) => lines.push(line),
    });
    expect(result).toEqual({ replayed: 1, skipped: 0 });
    expect(lines[0]).toContain('database unavailable');
    await exactlyOnce(5, uids('c', 30));
    const left = await readStreamMessages(nc, Streams.deadLetters.name, CLASS_MESSAGES_DEAD_LETTERS);
    expect(left.every((m) => m.seq <= before)).toBe(true);
  });
});
