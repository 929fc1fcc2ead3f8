import { startBroadcastService } from '@im/broadcast-service';
import { connectMongo, type MongoStore } from '@im/store';
import { type MongoHandle, pollUntil, startMongo, uniqueDbName } from '@im/testkit';
import { startWorkers } from '@im/workers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addDirectoryStream,
  type Claims,
  type GatewayHarness,
  orgAdmin,
  service,
  silentLog,
  startGatewayHarness,
} from './helpers.js';

let h: GatewayHarness;
let mongo: MongoHandle;
let store: MongoStore;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  [h, mongo] = await Promise.all([startGatewayHarness(10_000), startMongo()]);
  store = await connectMongo(mongo.url, 'gateway-broadcast-test', uniqueDbName('gw_broadcast'));
  // The directory's side: the admin routes publish into DIRECTORY, which no service creates.
  await addDirectoryStream(h.nc);
  const broadcast = await startBroadcastService({
    nc: h.nc,
    db: store.db,
    log: silentLog,
    config: {
      pushTimeZone: 'Asia/Shanghai',
      jetstreamReplicas: 1,
      relayIntervalMs: 1_000,
      relayMinAgeMs: 2_000,
      faultCrashBeforePublish: false,
    },
  });
  const workers = await startWorkers({
    nc: h.nc,
    db: store.db,
    log: silentLog,
    config: {
      jetstreamReplicas: 1,
      chunkSize: 500,
      chunkPauseMs: 0,
      maxAttempts: 3,
      maxAckPending: 16,
      ackWaitMs: 10_000,
    },
  });
  stops.push(
    () => workers.stop(),
    () => broadcast.stop(),
  );
});
afterAll(async () => {
  for (const stop of stops) await stop();
  await h?.close();
  await store?.close();
  await mongo?.stop();
});

/** Classes here belong to organization 3; the directory (admin routes) is a service. */
const TEACHER = orgAdmin('t3', 3);
const DIRECTORY = service('directory');

async function send(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  payload?: unknown,
  form = false,
  as: Claims = url.startsWith('/im/admin/') ? DIRECTORY : TEACHER,
) {
  const auth = h.auth.as(as);
  const res = await h.gateway.inject({
    method,
    url,
    headers: form ? { ...auth, 'content-type': 'application/x-www-form-urlencoded' } : auth,
    ...(payload === undefined ? {} : { payload: payload as object | string }),
  });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}

const uidsOf = (classId: number, n: number) => Array.from({ length: n }, (_, i) => `g${classId}-${i}`);

/** Creates a class through the admin endpoint and waits until the broadcast service knows it. */
async function createClass(classId: number, n: number, active = true) {
  const res = await send('PUT', `/im/admin/classes/${classId}`, {
    organization_id: 3,
    name: `Class ${classId}`,
    active,
    student_uids: uidsOf(classId, n),
  });
  expect(res.status).toBe(202);
  expect(res.body.event_id).toMatch(/^[0-9a-f-]{36}$/);
  const known = await pollUntil(
    async () =>
      (await store.db.collection('directory_classes').findOne({ class_id: classId }))?.event_id ===
      res.body.event_id,
    Date.now() + 15_000,
    undefined,
    25,
  );
  expect(known).toBe(true);
}

describe('POST /im/org/<class_id>/message', () => {
  it('answers 201 with class_id and push_history_record_id, body or not', async () => {
    await createClass(11, 5);
    await createClass(12, 5);
    await createClass(13, 5);
    const bare = await send('POST', '/im/org/11/message');
    expect(bare.status).toBe(201);
    expect(bare.body).toEqual({ class_id: 11, push_history_record_id: expect.any(Number) });
    const json = await send('POST', '/im/org/12/message', { message: '明天放假' });
    expect(json.status).toBe(201);
    const form = await send('POST', '/im/org/13/message', 'message=bring+a+coat', true);
    expect(form.status).toBe(201);
    const messages = await store.db
      .collection('push_history')
      .find({ class_id: { $in: [12, 13] } })
      .sort({ class_id: 1 })
      .map((r) => r.message)
      .toArray();
    expect(messages).toEqual(['明天放假', 'bring a coat']);
  });

  it('answers 409 / 7007 to a second push the same day', async () => {
    await createClass(14, 2);
    expect((await send('POST', '/im/org/14/message')).status).toBe(201);
    const again = await send('POST', '/im/org/14/message');
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error_code: 7007, request: 'POST /im/org/14/message' });
    expect(again.body.msg).toMatch(/^class_id: class 14 was already pushed on \d{4}-\d{2}-\d{2}$/);
  });

  it('gives exactly one 201 among 20 parallel pushes', async () => {
    await createClass(15, 20);
    const results = await Promise.all(Array.from({ length: 20 }, () => send('POST', '/im/org/15/message')));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...Array(19).fill(409)]);
  });

  it('answers 404 / 1001 for an unknown, an inactive and a deleted class', async () => {
    const unknown = await send('POST', '/im/org/987654/message');
    expect(unknown).toEqual({
      status: 404,
      body: {
        error_code: 1001,
        msg: 'class_id: class 987654 not found',
        request: 'POST /im/org/987654/message',
      },
    });
    await createClass(16, 2, false);
    expect((await send('POST', '/im/org/16/message')).status).toBe(404);

    await createClass(17, 2);
    const deleted = await send('DELETE', '/im/admin/classes/17');
    expect(deleted.status).toBe(202);
    const gone = await pollUntil(
      async () =>
        (await store.db.collection('directory_classes').findOne({ class_id: 17 }))?.deleted === true,
      Date.now() + 15_000,
    );
    expect(gone).toBe(true);
    expect((await send('POST', '/im/org/17/message')).body).toMatchObject({ error_code: 1001 });
  });

  it('answers 400 / 1000 naming the field', async () => {
    const badId = await send('POST', '/im/org/abc/message');
    expect(badId).toMatchObject({
      status: 400,
      body: {
        error_code: 1000,
        msg: 'class_id: must be a positive integer',
        request: 'POST /im/org/abc/message',
      },
    });
    expect((await send('POST', '/im/org/0/message')).body.msg).toBe('class_id: must be a positive integer');
    const long = await send('POST', '/im/org/11/message', { message: 'x'.repeat(2_001) });
    expect(long.status).toBe(400);
    expect(long.body.msg).toBe('message: must be a string of at most 2000 characters');
  });
});

describe('admin classes', () => {
  it('validates the class body', async () => {
    const cases: [unknown, string][] = [
      [{ name: 'a', active: true, student_uids: [] }, 'organization_id: is required'],
      [
        { organization_id: 0, name: 'a', active: true, student_uids: [] },
        'organization_id: must be a positive integer',
      ],
      [
        { organization_id: 1, name: '  ', active: true, student_uids: [] },
        'name: must be 1-64 characters after trimming',
      ],
      [
        { organization_id: 1, name: 'a', active: true, student_uids: { a: 1 } },
        'student_uids: must be a list',
      ],
      [{ organization_id: 1, name: 'a', active: true, student_uids: ['u1', 'u:2'] }, 'student_uids[1]: '],
      [{ organization_id: 1, name: 'a', active: 'maybe', student_uids: [] }, 'active: '],
    ];
    for (const [body, msg] of cases) {
      const res = await send('PUT', '/im/admin/classes/20', body);
      expect(res.status).toBe(400);
      expect(res.body.msg).toContain(msg);
    }
    expect((await send('PUT', '/im/admin/classes/x', {})).body.msg).toBe(
      'class_id: must be a positive integer',
    );
  });
});

describe('read endpoints', () => {
  it('lists a class’s pushes with deliveries, and a student’s notifications', async () => {
    await createClass(30, 40);
    const pushed = await send('POST', '/im/org/30/message', { message: 'hello' });
    const pushId = pushed.body.push_history_record_id as number;
    const complete = await pollUntil(
      async () => (await send('GET', '/im/class/30/pushes')).body.data[0]?.delivered_count === 40,
      Date.now() + 15_000,
      undefined,
      50,
    );
    expect(complete).toBe(true);
    const pushes = await send('GET', '/im/class/30/pushes?page=1&per_page=5');
    expect(pushes.status).toBe(200);
    expect(pushes.body).toMatchObject({
      total_count: 1,
      data: [
        {
          push_history_record_id: pushId,
          class_id: 30,
          organization_id: 3,
          recipient_count: 40,
          message: 'hello',
        },
      ],
    });
    // The rosters are paged apart (recipients below): 20 of 2,000 would not fit one NATS message.
    expect(pushes.body.data[0]).not.toHaveProperty('student_uids');

    const notes = await send('GET', '/im/user/g30-7/notifications', undefined, false, {
      sub: 'g30-7',
      role: 'user',
    });
    expect(notes.status).toBe(200);
    expect(notes.body).toMatchObject({
      total_count: 1,
      data: [{ push_history_record_id: pushId, message: 'hello' }],
    });
  });

  it('pages a push’s recipients with their delivery time, to the same callers as its pushes', async () => {
    await createClass(31, 45);
    const pushId = (await send('POST', '/im/org/31/message')).body.push_history_record_id as number;
    const url = `/im/class/31/pushes/${pushId}/recipients`;
    const complete = await pollUntil(
      async () => (await send('GET', `${url}?page=3&per_page=20`)).body.data?.[4]?.delivered_at != null,
      Date.now() + 15_000,
      undefined,
      50,
    );
    expect(complete).toBe(true);
    const first = await send('GET', `${url}?page=1&per_page=20`);
    expect(first.status).toBe(200);
    expect(first.body.total_count).toBe(45);
    expect(first.body.data.map((r: { client_id: string }) => r.client_id)).toEqual(
      uidsOf(31, 45).slice(0, 20),
    );
    expect(first.body.data[0]).toEqual({ client_id: 'g31-0', delivered_at: expect.any(String) });
    expect(Date.parse(first.body.data[0].delivered_at)).not.toBeNaN();
    expect((await send('GET', `${url}?page=3&per_page=20`)).body.data).toHaveLength(5);

    // A service may read it; an org_admin of another organization may not.
    expect((await send('GET', url, undefined, false, DIRECTORY)).status).toBe(200);
    const stranger = await send('GET', url, undefined, false, orgAdmin('t4', 4));
    expect(stranger.status).toBe(403);
    expect(stranger.body).toMatchObject({ error_code: 1008, request: `GET ${url}` });
  });

  it('answers 404 for a push of another class and 400 for a bad push id', async () => {
    await createClass(32, 2);
    const pushId = (await send('POST', '/im/org/32/message')).body.push_history_record_id as number;
    const wrong = await send('GET', `/im/class/30/pushes/${pushId}/recipients`);
    expect(wrong).toEqual({
      status: 404,
      body: {
        error_code: 1001,
        msg: `push_history_record_id: push ${pushId} of class 30 not found`,
        request: `GET /im/class/30/pushes/${pushId}/recipients`,
      },
    });
    const bad = await send('GET', '/im/class/32/pushes/x/recipients');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error_code: 1000 });
    expect(bad.body.msg).toMatch(/^push_history_record_id: /);
    expect((await send('GET', `/im/class/32/pushes/${pushId}/recipients?per_page=101`)).body.msg).toBe(
      'per_page: must be an integer from 1 to 100',
    );
  });

  it('answers 404 for an unknown class and 400 for bad paging', async () => {
    expect((await send('GET', '/im/class/55555/pushes')).status).toBe(404);
    const bad = await send('GET', '/im/user/u1/notifications?per_page=0', undefined, false, {
      sub: 'u1',
      role: 'user',
    });
    expect(bad).toMatchObject({
      status: 400,
      body: {
        error_code: 1000,
        msg: 'per_page: must be an integer from 1 to 100',
        request: 'GET /im/user/u1/notifications',
      },
    });
    expect((await send('GET', '/im/class/30/pushes?page=0')).body.msg).toBe(
      'page: must be a positive integer',
    );
  });
});
