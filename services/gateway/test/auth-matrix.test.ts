import { startBroadcastService } from '@im/broadcast-service';
import { AppKeys, startSignatureService } from '@im/signature-service';
import { pollUntil, uniqueDbName } from '@im/testkit';
import { startWorkers } from '@im/workers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GroupGatewayHarness, startGroupGateway } from './group-harness.js';
import { type Claims, orgAdmin, service, silentLog, user } from './helpers.js';
import { SseStream } from './live/sse-client.js';

/**
 * Every endpoint, every rule (README, "Security"): without a token 401, as a caller the rule
 * refuses 403, as the caller it names 2xx. Tokens are minted with node:crypto (testkit), the
 * services are real (signature, group, broadcast, workers over NATS and FerretDB). Each row runs the three
 * in that order on the same resource, so the success also shows the refusals changed nothing
 * (a refused delete left the group to delete, a refused push left today's push to make).
 */
let h: GroupGatewayHarness;
/** The gateway's address: a live stream is read over a socket (`inject` would wait for its end). */
let base: string;
const stops: (() => Promise<void>)[] = [];

// Organization 1: alice and bob are members, bob administers group G, o1 is its org_admin.
const alice = user('c1', 1);
const bob = user('c2', 1);
const admin1 = orgAdmin('o1', 1);
const admin2 = orgAdmin('o2', 2);
const stranger = user('c9', 2);
const backend = service('svc-backend');

beforeAll(async () => {
  h = await startGroupGateway();
  const signature = await startSignatureService({
    nc: h.nc,
    log: silentLog,
    appKeys: AppKeys.parse(JSON.stringify({ '1': 'matrix-key' })),
  });
  const broadcast = await startBroadcastService({
    nc: h.nc,
    db: h.store.client.db(uniqueDbName('matrix_broadcast')),
    log: silentLog,
    config: {
      pushTimeZone: 'Asia/Shanghai',
      jetstreamReplicas: 1,
      relayIntervalMs: 60_000,
      relayMinAgeMs: 2_000,
      faultCrashBeforePublish: false,
    },
  });
  // The deliveries' owner: the broadcast service asks it for notifications, counts and delivery times.
  const workers = await startWorkers({
    nc: h.nc,
    db: h.store.client.db(uniqueDbName('matrix_workers')),
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
    () => signature.stop(),
  );
  base = await h.gateway.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  for (const stop of stops) await stop();
  await h?.close();
});

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

async function call(method: Method, url: string, as: Claims | null, body?: object) {
  if (url.includes('/notifications/stream')) {
    // Its status and head are the answer; a stream that opened is closed at once.
    const stream = await SseStream.open(`${base}${url}`, as ? h.auth.as(as) : {});
    stream.close();
    return { status: stream.status, body: stream.body as Record<string, unknown>, headers: stream.headers };
  }
  const res = await h.gateway.inject({
    method,
    url,
    headers: as ? h.auth.as(as) : {},
    ...(body === undefined ? {} : { payload: body }),
  });
  return { status: res.statusCode, body: res.body ? res.json() : undefined, headers: res.headers };
}

/** A group of organization 1 administered by bob, with alice and c3 as members. */
async function groupG(): Promise<number> {
  const res = await call('POST', '/im/group', backend, {
    group_name: 'G',
    member_client_ids: 'c1:c3',
    organization_id: 1,
    admin_uid: 'c2',
  });
  expect(res.status).toBe(201);
  return res.body.group_id;
}

/** A push of a fresh class of organization 1, once c1 has it among its notifications. */
async function pushToC1(): Promise<number> {
  const classId = await classOfOrg1();
  const pushed = await call('POST', `/im/org/${classId}/message`, backend, { message: 'read me' });
  expect(pushed.status).toBe(201);
  const pushId = pushed.body.push_history_record_id as number;
  const delivered = await pollUntil(
    async () =>
      (await call('GET', '/im/user/c1/notifications?per_page=100', backend)).body.data.some(
        (n: { push_history_record_id: number }) => n.push_history_record_id === pushId,
      ),
    Date.now() + 15_000,
    undefined,
    25,
  );
  expect(delivered).toBe(true);
  return pushId;
}

let nextClass = 100;
/** A fresh class of organization 1, known to the broadcast service's projection. */
async function classOfOrg1(): Promise<number> {
  const classId = nextClass++;
  const res = await call('PUT', `/im/admin/classes/${classId}`, backend, {
    organization_id: 1,
    name: `class ${classId}`,
    active: true,
    student_uids: ['c1', 'c3'],
  });
  expect(res.status).toBe(202);
  // Known once the push endpoint stops answering 404 for it (the projection is fed by events).
  const known = await pollUntil(
    async () => (await call('GET', `/im/class/${classId}/pushes`, backend)).status === 200,
    Date.now() + 15_000,
    undefined,
    25,
  );
  expect(known).toBe(true);
  return classId;
}

interface Row {
  rule: string;
  method: Method;
  /** The route it exercises, as the docs list it: the matrix must cover every one. */
  route: string;
  /** The path, built on a fresh resource when the row needs one. */
  path: () => Promise<string> | string;
  body?: object;
  wrong: Claims[];
  right: Claims;
  status: number;
}

const rows: Row[] = [
  // signatures: the caller's own client id, or a service
  ...(
    [
      ['login', '/signature/login/{app_id}/{client_id}', '/signature/login/1/c1'],
      [
        'conversation',
        '/signature/conversion/{app_id}/{client_id}/{sorted_member_ids}',
        '/signature/conversion/1/c1/c2:c3',
      ],
      // Undocumented alias spellings and the join case go through the same rule.
      ['conversation (alias)', '', '/signature/conversation/1/c1/c2:c3'],
      [
        'invite',
        '/signature/invite/{app_id}/{client_id}/{conversion_id}/{sorted_member_ids}',
        '/signature/invite/1/c1/conv1/c2',
      ],
      ['invite, joining', '', '/signature/invite/1/c1/conv1'],
      [
        'kick',
        '/signature/kick/{app_id}/{client_id}/{conversion_id}/{sorted_member_ids}',
        '/signature/kick/1/c1/conv1/c3',
      ],
    ] as const
  ).flatMap(([name, route, path]): Row[] => [
    {
      rule: `${name}: for itself`,
      route,
      method: 'GET',
      path: () => path,
      wrong: [bob, admin1],
      right: alice,
      status: 200,
    },
    {
      rule: `${name}: a service for anyone`,
      route,
      method: 'GET',
      path: () => path,
      wrong: [bob],
      right: backend,
      status: 200,
    },
  ]),
  // groups
  {
    rule: 'create: an org_admin of its organization',
    route: '/im/group',
    method: 'POST',
    path: () => '/im/group',
    body: { group_name: 'new', member_client_ids: 'c1', organization_id: 1 },
    wrong: [alice, admin2],
    right: admin1,
    status: 201,
  },
  {
    rule: 'create: a service',
    route: '/im/group',
    method: 'POST',
    path: () => '/im/group',
    body: { group_name: 'new', member_client_ids: 'c1', organization_id: 1 },
    wrong: [stranger],
    right: backend,
    status: 201,
  },
  {
    rule: 'read a group: a member of its organization',
    route: '/im/group/{group_id}',
    method: 'GET',
    path: async () => `/im/group/${await groupG()}`,
    wrong: [stranger, admin2],
    right: alice,
    status: 200,
  },
  {
    rule: 'rename: the group admin',
    route: '/im/group/{group_id}',
    method: 'PUT',
    path: async () => `/im/group/${await groupG()}`,
    body: { group_name: 'renamed' },
    wrong: [alice, admin2],
    right: bob,
    status: 200,
  },
  {
    rule: 'rename: an org_admin of its organization',
    route: '/im/group/{group_id}',
    method: 'PUT',
    path: async () => `/im/group/${await groupG()}`,
    body: { group_name: 'renamed' },
    wrong: [stranger],
    right: admin1,
    status: 200,
  },
  {
    rule: 'delete: an org_admin of its organization',
    route: '/im/group/{group_id}',
    method: 'DELETE',
    path: async () => `/im/group/${await groupG()}`,
    wrong: [alice, admin2],
    right: admin1,
    status: 204,
  },
  {
    rule: 'delete: the group admin',
    route: '/im/group/{group_id}',
    method: 'DELETE',
    path: async () => `/im/group/${await groupG()}`,
    wrong: [alice],
    right: bob,
    status: 204,
  },
  {
    rule: 'add members: the group admin',
    route: '/im/group/{group_id}/member',
    method: 'POST',
    path: async () => `/im/group/${await groupG()}/member`,
    body: { member_client_ids: 'c4' },
    wrong: [alice, admin2],
    right: bob,
    status: 201,
  },
  {
    rule: 'add members: a service',
    route: '/im/group/{group_id}/member',
    method: 'POST',
    path: async () => `/im/group/${await groupG()}/member`,
    body: { member_client_ids: 'c4' },
    wrong: [stranger],
    right: backend,
    status: 201,
  },
  {
    rule: 'remove others: the group admin',
    route: '/im/group/{group_id}/member',
    method: 'DELETE',
    path: async () => `/im/group/${await groupG()}/member?member_client_ids=c3`,
    wrong: [alice, admin2],
    right: bob,
    status: 204,
  },
  {
    rule: 'remove: a member only itself (leaving)',
    route: '/im/group/{group_id}/member',
    method: 'DELETE',
    path: async () => `/im/group/${await groupG()}/member?member_client_ids=c1`,
    wrong: [user('c3', 1), stranger],
    right: alice,
    status: 204,
  },
  {
    rule: "a client's groups: that client",
    route: '/im/user/{client_id}/groups',
    method: 'GET',
    path: () => '/im/user/c1/groups',
    wrong: [bob, admin1],
    right: alice,
    status: 200,
  },
  // organizations
  ...(['groups', 'contacts'] as const).map(
    (what): Row => ({
      rule: `organization ${what}: its members`,
      route: `/im/org/{organization_id}/${what}`,
      method: 'GET',
      path: () => `/im/org/1/${what}`,
      wrong: [stranger, admin2],
      right: alice,
      status: 200,
    }),
  ),
  // class broadcasts
  {
    rule: "class message: an org_admin of the class's organization",
    route: '/im/org/{class_id}/message',
    method: 'POST',
    path: async () => `/im/org/${await classOfOrg1()}/message`,
    body: { message: 'hello' },
    wrong: [alice, admin2],
    right: admin1,
    status: 201,
  },
  {
    rule: 'class message: a service',
    route: '/im/org/{class_id}/message',
    method: 'POST',
    path: async () => `/im/org/${await classOfOrg1()}/message`,
    wrong: [stranger],
    right: backend,
    status: 201,
  },
  {
    rule: "class push history: an org_admin of the class's organization",
    route: '/im/class/{class_id}/pushes',
    method: 'GET',
    path: async () => `/im/class/${await classOfOrg1()}/pushes`,
    wrong: [alice, admin2],
    right: admin1,
    status: 200,
  },
  {
    rule: "a push's recipients: an org_admin of the class's organization",
    route: '/im/class/{class_id}/pushes/{push_history_record_id}/recipients',
    method: 'GET',
    path: async () => {
      const classId = await classOfOrg1();
      const pushed = await call('POST', `/im/org/${classId}/message`, backend, { message: 'hi' });
      expect(pushed.status).toBe(201);
      return `/im/class/${classId}/pushes/${pushed.body.push_history_record_id}/recipients`;
    },
    wrong: [alice, admin2],
    right: admin1,
    status: 200,
  },
  {
    rule: "a user's notifications: that user",
    route: '/im/user/{client_id}/notifications',
    method: 'GET',
    path: () => '/im/user/c1/notifications',
    wrong: [bob, admin1],
    right: alice,
    status: 200,
  },
  {
    rule: "a user's notifications: a service",
    route: '/im/user/{client_id}/notifications',
    method: 'GET',
    path: () => '/im/user/c1/notifications',
    wrong: [stranger],
    right: backend,
    status: 200,
  },
  // live notifications: the stream and its tickets are the client's own; so is a read mark
  ...(
    [
      ['that student', [bob, admin1], alice],
      ['a service', [stranger], backend],
    ] as const
  ).flatMap(([who, wrong, right]): Row[] => [
    {
      rule: `a student's live stream: ${who}`,
      route: '/im/user/{client_id}/notifications/stream',
      method: 'GET',
      path: () => '/im/user/c1/notifications/stream',
      wrong: [...wrong],
      right,
      status: 200,
    },
    {
      rule: `a stream ticket: ${who}`,
      route: '/im/user/{client_id}/notifications/tickets',
      method: 'POST',
      path: () => '/im/user/c1/notifications/tickets',
      wrong: [...wrong],
      right,
      status: 201,
    },
  ]),
  {
    rule: 'a read mark: that student',
    route: '/im/user/{client_id}/notifications/{push_history_record_id}/read',
    method: 'PUT',
    path: async () => `/im/user/c1/notifications/${await pushToC1()}/read`,
    wrong: [bob, admin1],
    right: alice,
    status: 204,
  },
  // directory admin endpoints: a service only
  {
    rule: 'admin: publish a directory user',
    route: '/im/admin/orgs/{organization_id}/users/{uid}',
    method: 'PUT',
    path: () => '/im/admin/orgs/1/users/5',
    body: { name: 'Wu', role: 'teacher' },
    wrong: [admin1, alice],
    right: backend,
    status: 202,
  },
  {
    rule: 'admin: delete a directory user',
    route: '/im/admin/orgs/{organization_id}/users/{uid}',
    method: 'DELETE',
    path: () => '/im/admin/orgs/1/users/5',
    wrong: [admin1],
    right: backend,
    status: 202,
  },
  {
    rule: 'admin: publish a class',
    route: '/im/admin/classes/{class_id}',
    method: 'PUT',
    path: () => '/im/admin/classes/999',
    body: { organization_id: 1, name: 'c', active: true, student_uids: [] },
    wrong: [admin1, alice],
    right: backend,
    status: 202,
  },
  {
    rule: 'admin: delete a class',
    route: '/im/admin/classes/{class_id}',
    method: 'DELETE',
    path: () => '/im/admin/classes/999',
    wrong: [admin1],
    right: backend,
    status: 202,
  },
];

describe('authentication and authorization, endpoint by endpoint', () => {
  it.each(rows.map((row) => [`${row.method} ${row.rule}`, row] as const))('%s', async (_name, row) => {
    const path = await row.path();

    const anonymous = await call(row.method, path, null, row.body);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({
      error_code: 1005,
      msg: 'authorization: a bearer token is required',
    });
    expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="im"');

    for (const wrong of row.wrong) {
      const refused = await call(row.method, path, wrong, row.body);
      expect({ as: wrong.sub, status: refused.status }).toEqual({ as: wrong.sub, status: 403 });
      expect(refused.body.error_code).toBe(1008);
      expect(refused.body.msg).toMatch(
        /^(client_id|organization_id|group_id|member_client_ids|class_id|authorization): /,
      );
    }

    const allowed = await call(row.method, path, row.right, row.body);
    expect({ status: allowed.status, body: allowed.body }).toMatchObject({ status: row.status });
  });

  it('covers every route the gateway documents, but the public ones', async () => {
    const spec = (await call('GET', '/docs/json', null)).body as { paths: Record<string, object> };
    const documented = Object.entries(spec.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const covered = new Set(rows.map((row) => `${row.method} ${row.route}`));
    const uncovered = documented.filter((route) => !covered.has(route));
    expect(uncovered.sort()).toEqual(['GET /healthz', 'GET /readyz']);
  });
});
