import { closeBus, connectBus, type NatsConnection, RequestClient } from '@im/bus';
import {
  type AppError,
  type Caller,
  ClassEventSubjects,
  type ClassMessageEvent,
  DeliverySubjects,
  ErrorCode,
  encodeCaller,
  Streams,
  WORKERS_SERVICE_NAME,
} from '@im/contracts';
import { EventPublisher, ensureStream, openJetStream } from '@im/events';
import { createLogger } from '@im/log';
import { connectMongo, type MongoStore } from '@im/store';
import {
  type MongoHandle,
  type NatsHandle,
  pollUntil,
  startMongo,
  startNats,
  uniqueDbName,
} from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningWorkers, readConfig, startWorkers } from '../src/service.js';

/**
 * The workers answer every read about their deliveries over NATS: real nats-server and
 * MongoDB-wire server, deliveries written by the real consumer from published class messages.
 */
const log = createLogger({ name: 'test', level: 'silent' });
const SERVICE: Caller = { sub: 'svc-deliveries-test', orgs: [], role: 'service' };
/** Small on purpose: the busy test below fills it; every other request here is sent alone. */
const MAX_IN_FLIGHT = 2;

let nats: NatsHandle;
let mongo: MongoHandle;
let store: MongoStore;
let nc: NatsConnection;
let workers: RunningWorkers;
let client: RequestClient;

const students = Array.from({ length: 12 }, (_, i) => `s${i}`);

function classMessage(pushId: number, classId: number, uids: string[], pushedAt: string): ClassMessageEvent {
  return {
    event_id: `reads-${pushId}`,
    push_id: pushId,
    class_id: classId,
    organization_id: 4,
    student_uids: uids,
    message: `push ${pushId}`,
    day: pushedAt.slice(0, 10),
    pushed_at: pushedAt,
  };
}

beforeAll(async () => {
  [nats, mongo] = await Promise.all([startNats(), startMongo()]);
  store = await connectMongo(mongo.url, 'workers-reads-test', uniqueDbName('wreads'));
  nc = await connectBus({ servers: nats.url, name: 'workers-reads-test', log });
  const jet = await openJetStream(nc);
  // The broadcast service's part (the workers only read IM_CLASS_EVENTS): this test publishes.
  await ensureStream(jet.jsm, Streams.classEvents);
  workers = await startWorkers({
    nc,
    db: store.db,
    log,
    config: readConfig({
      FANOUT_CHUNK_SIZE: '5',
      WORKERS_MAX_ATTEMPTS: '3',
      WORKERS_ACK_WAIT_MS: '10000',
      MAX_IN_FLIGHT: String(MAX_IN_FLIGHT),
    }),
  });
  client = new RequestClient(nc, { timeoutMs: 10_000, caller: encodeCaller(SERVICE) });
  const publisher = new EventPublisher(jet.js);
  // Class 1 on two days, class 2 (two of the students) in between.
  for (const event of [
    classMessage(11, 1, students, '2024-09-01T01:00:00.000Z'),
    classMessage(12, 2, students.slice(0, 2), '2024-09-02T01:00:00.000Z'),
    classMessage(13, 1, students, '2024-09-03T01:00:00.000Z'),
  ]) {
    await publisher.publish({ id: event.event_id, subject: ClassEventSubjects.message, payload: event });
  }
  const written = await pollUntil(
    async () => (await store.db.collection('deliveries').countDocuments()) === 26,
    Date.now() + 20_000,
    undefined,
    25,
  );
  expect(written).toBe(true);
}, 60_000);

afterAll(async () => {
  client?.close();
  await workers?.stop();
  await closeBus(nc);
  await store?.close();
  await Promise.all([nats?.stop(), mongo?.stop()]);
});

async function ask<T = Record<string, unknown>>(
  subject: string,
  body: unknown,
  as: Caller = SERVICE,
): Promise<T> {
  const bytes = await client.request(subject, Buffer.from(JSON.stringify(body)), undefined, encodeCaller(as));
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}

const refusal = (subject: string, body: unknown, as?: Caller) =>
  ask(subject, body, as).then(
    () => {
      throw new Error(`${subject} should have been refused`);
    },
    (error: unknown) => error as AppError,
  );

interface StudentPage {
  total_count: number;
  unread_count: number;
  data: {
    push_history_record_id: number;
    class_id: number;
    organization_id: number;
    message: string;
    pushed_at: string;
    delivered_at: string;
    read_at: string | null;
  }[];
}

describe('im.deliveries.user_notifications', () => {
  it('pages a student’s notifications newest push first, with their totals, in the route’s own shape', async () => {
    const all = await ask<StudentPage>(DeliverySubjects.userNotifications, { client_id: 's0' });
    expect(all.total_count).toBe(3);
    expect(all.unread_count).toBe(3);
    expect(all.data.map((d) => d.push_history_record_id)).toEqual([13, 12, 11]);
    expect(all.data[1]).toEqual({
      push_history_record_id: 12,
      class_id: 2,
      organization_id: 4,
      message: 'push 12',
      pushed_at: '2024-09-02T01:00:00.000Z',
      delivered_at: expect.any(String),
      read_at: null,
    });
    expect(Date.parse(all.data[1]!.delivered_at)).not.toBeNaN();

    const second = await ask<StudentPage>(DeliverySubjects.userNotifications, {
      client_id: 's0',
      page: 2,
      per_page: 2,
    });
    expect(second).toMatchObject({ total_count: 3, data: [{ push_history_record_id: 11 }] });
    const beyond = await ask<StudentPage>(DeliverySubjects.userNotifications, {
      client_id: 's0',
      page: 3,
      per_page: 2,
    });
    expect(beyond).toEqual({ total_count: 3, unread_count: 3, data: [] });
    // Not in class 2: two deliveries.
    expect(
      (await ask<StudentPage>(DeliverySubjects.userNotifications, { client_id: 's7' })).data.map(
        (d) => d.push_history_record_id,
      ),
    ).toEqual([13, 11]);
  });

  it('gives an empty page to a student with none', async () => {
    expect(await ask(DeliverySubjects.userNotifications, { client_id: 'nobody' })).toEqual({
      total_count: 0,
      unread_count: 0,
      data: [],
    });
  });

  it('keeps pages within 100, so a reply stays far under max_payload', async () => {
    const error = await refusal(DeliverySubjects.userNotifications, { client_id: 's0', per_page: 101 });
    expect(error.code).toBe(ErrorCode.InvalidParameter);
    expect(error.message).toBe('per_page: must be an integer from 1 to 100');
  });
});

describe('im.deliveries.counts_for_pushes', () => {
  it('counts the deliveries of each push asked about, in the order asked, 0 for none', async () => {
    expect(await ask(DeliverySubjects.countsForPushes, { push_ids: [13, 99, 12, 11] })).toEqual({
      counts: [
        { push_id: 13, delivered_count: 12, read_count: 0 },
        { push_id: 99, delivered_count: 0, read_count: 0 },
        { push_id: 12, delivered_count: 2, read_count: 0 },
        { push_id: 11, delivered_count: 12, read_count: 0 },
      ],
    });
    expect(await ask(DeliverySubjects.countsForPushes, { push_ids: [] })).toEqual({
      counts: [],
    });
  });

  it('takes at most 100 pushes', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => i + 1);
    const error = await refusal(DeliverySubjects.countsForPushes, { push_ids: ids });
    expect(error.code).toBe(ErrorCode.InvalidParameter);
    expect(error.message).toMatch(/^push_ids: /);
    await expect(
      ask(DeliverySubjects.countsForPushes, { push_ids: ids.slice(0, 100) }),
    ).resolves.toMatchObject({
      counts: expect.any(Array),
    });
  });
});

describe('im.deliveries.delivered_at', () => {
  it('tells when each student got a push, leaving out those who have not', async () => {
    const reply = await ask<{ deliveries: { student_uid: string; delivered_at: string }[] }>(
      DeliverySubjects.deliveredAt,
      { push_id: 12, student_uids: ['s0', 's1', 's2', 'nobody'] },
    );
    expect(reply.deliveries.map((d) => d.student_uid).sort()).toEqual(['s0', 's1']);
    for (const d of reply.deliveries) expect(Date.parse(d.delivered_at)).not.toBeNaN();
    expect(await ask(DeliverySubjects.deliveredAt, { push_id: 99, student_uids: ['s0'] })).toEqual({
      deliveries: [],
    });
  });

  it('takes at most 100 students', async () => {
    const uids = Array.from({ length: 101 }, (_, i) => `u${i}`);
    const error = await refusal(DeliverySubjects.deliveredAt, {
      push_id: 13,
      student_uids: uids,
    });
    expect(error.code).toBe(ErrorCode.InvalidParameter);
    expect(error.message).toMatch(/^student_uids: /);
  });
});

describe('who may ask', () => {
  const requests = [
    [DeliverySubjects.countsForPushes, { push_ids: [13] }],
    [DeliverySubjects.deliveredAt, { push_id: 13, student_uids: ['s0'] }],
    [DeliverySubjects.since, { student_uid: 's0', after: 0 }],
    [DeliverySubjects.markRead, { student_uid: 's0', push_id: 13 }],
  ] as const;

  it.each(requests)('%s answers services only, not even the student itself', async (subject, body) => {
    for (const caller of [
      { sub: 's0', orgs: [4], role: 'user' },
      { sub: 't4', orgs: [4], role: 'org_admin' },
    ] satisfies Caller[]) {
      const error = await refusal(subject, body, caller);
      expect(error.code).toBe(ErrorCode.IllegalOperation);
      expect(error.message).toBe(
        `Im-Caller: "${caller.sub}" is not a service; only services may read deliveries`,
      );
    }
  });
});

describe('who may read an inbox', () => {
  it('is the student itself or a service; anyone else is refused naming client_id', async () => {
    for (const caller of [
      { sub: 's0', orgs: [], role: 'user' },
      { sub: 'svc', orgs: [], role: 'service' },
    ] satisfies Caller[]) {
      expect(
        await ask<StudentPage>(DeliverySubjects.userNotifications, { client_id: 's0' }, caller),
      ).toMatchObject({
        total_count: 3,
      });
    }
    for (const caller of [
      { sub: 's7', orgs: [4], role: 'user' },
      { sub: 't4', orgs: [4], role: 'org_admin' },
    ] satisfies Caller[]) {
      const error = await refusal(DeliverySubjects.userNotifications, { client_id: 's0' }, caller);
      expect(error.code).toBe(ErrorCode.IllegalOperation);
      expect(error.message).toBe('client_id: only "s0" itself or a service may read its notifications');
    }
  });
});

describe('the service', () => {
  it(`announces itself in $SRV as ${WORKERS_SERVICE_NAME}, with every deliveries subject`, async () => {
    const reply = await nc.request(`$SRV.INFO.${WORKERS_SERVICE_NAME}`, undefined, { timeout: 2_000 });
    const info = JSON.parse(Buffer.from(reply.data).toString('utf8')) as { endpoints: { subject: string }[] };
    expect(info.endpoints.map((e) => e.subject).sort()).toEqual(Object.values(DeliverySubjects).sort());
  });

  it('answers 503 naming the workers past MAX_IN_FLIGHT requests at once', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 30 }, () => ask(DeliverySubjects.userNotifications, { client_id: 's0' })),
    );
    const busy = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(busy.length).toBeGreaterThan(0);
    for (const o of busy) {
      expect((o.reason as AppError).code).toBe(ErrorCode.ServiceUnavailable);
      expect((o.reason as AppError).message).toMatch(/^the workers service is busy: \d+ requests in flight/);
    }
    expect(outcomes.some((o) => o.status === 'fulfilled')).toBe(true);
  });
});
