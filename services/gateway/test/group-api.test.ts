import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GroupGatewayHarness, startGroupGateway } from './group-harness.js';
import { type Claims, orgAdmin, user } from './helpers.js';

/** The group endpoints over HTTP → NATS → the group service → FerretDB, as an app sees them. */
let h: GroupGatewayHarness;
let org = 1_000;
/**
 * The organizations' administrator: enough for every call here but a user's own list (who may do
 * what is the business of auth-matrix.test.ts).
 */
const ADMIN = orgAdmin('head', 1, 2, 3, ...Array.from({ length: 20 }, (_, i) => 1_000 + i));

beforeAll(async () => {
  h = await startGroupGateway();
});
afterAll(() => h?.close());

type Json = Record<string, unknown>;

async function send(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  body?: Json | string,
  headers = {},
  as: Claims = ADMIN,
) {
  const form = typeof body === 'string';
  const auth = h.auth.as(as);
  const res = await h.gateway.inject({
    method,
    url,
    ...(body === undefined ? {} : { payload: body }),
    headers: form
      ? { 'content-type': 'application/x-www-form-urlencoded', ...auth, ...headers }
      : { ...auth, ...headers },
  });
  return {
    status: res.statusCode,
    text: res.body,
    body: (res.body ? res.json() : {}) as Json,
    headers: res.headers,
  };
}

async function newGroup(fields: Json = {}): Promise<Json & { group_id: number }> {
  const res = await send('POST', '/im/group', {
    group_name: 'g',
    member_client_ids: 'a:b',
    organization_id: org,
    ...fields,
  });
  expect(res.status).toBe(201);
  return res.body as Json & { group_id: number };
}

/** An error answer: status, the family's code, and the `field: rule` message. */
function expectError(
  res: Awaited<ReturnType<typeof send>>,
  status: number,
  code: number,
  msg: string | RegExp,
) {
  expect(res.status).toBe(status);
  expect(res.body.error_code).toBe(code);
  if (typeof msg === 'string') expect(res.body.msg).toBe(msg);
  else expect(res.body.msg).toMatch(msg);
  expect(typeof res.body.request).toBe('string');
}

describe('POST /im/group', () => {
  it('answers 201 with the document fields (JSON body)', async () => {
    const res = await send('POST', '/im/group', {
      group_name: '666',
      member_client_ids: 'o12:u232:p23',
      organization_id: 2,
      conversion_id: 'dasjfr4529sadfh',
      group_avatar: 'http://pic.hisihi.com/232rwfrqw.jpg',
    });
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      group_id: expect.any(Number),
      group_name: '666',
      member_client_ids: 'o12:u232:p23',
      organization_id: 2,
      conversion_id: 'dasjfr4529sadfh',
      group_avatar: 'http://pic.hisihi.com/232rwfrqw.jpg',
      admin_uid: '',
      description: '',
    });
  });

  it('takes a form-encoded body as the old clients send it, admin_uid and description included', async () => {
    const res = await send(
      'POST',
      '/im/group',
      'group_name=%E7%8F%AD%E7%BA%A7&member_client_ids=a%3Ab&organization_id=3&conversion_id=&admin_uid=t9&description=hi',
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      group_name: '班级',
      member_client_ids: 'a:b:t9',
      organization_id: 3,
      admin_uid: 't9',
      description: 'hi',
    });
    expect(res.body.conversion_id).toMatch(/^[0-9a-f]{24}$/);
  });

  it('names the broken field in a 400', async () => {
    const base = { group_name: 'g', member_client_ids: 'a', organization_id: 1 };
    const cases: [Json, string][] = [
      [{ member_client_ids: 'a', organization_id: 1 }, 'group_name: is required'],
      [{ ...base, group_name: '   ' }, 'group_name: must be 1-64 characters after trimming'],
      [{ ...base, group_name: 'x'.repeat(65) }, 'group_name: must be 1-64 characters after trimming'],
      [
        { ...base, member_client_ids: 'a::b' },
        "member_client_ids: must be ids of 1-64 characters without ':', separated by ':'",
      ],
      [
        { ...base, member_client_ids: `a:${'x'.repeat(65)}` },
        "member_client_ids: must be ids of 1-64 characters without ':', separated by ':'",
      ],
      [{ ...base, organization_id: 'two' }, 'organization_id: must be a positive integer'],
      [{ ...base, organization_id: 0 }, 'organization_id: must be a positive integer'],
      [{ ...base, group_avatar: 'ftp://x/y' }, 'group_avatar: must be empty or an http(s) URL'],
      [{ ...base, admin_uid: 'a:b' }, "admin_uid: must be 1-64 characters without ':'"],
      [{ ...base, description: 'd'.repeat(501) }, 'description: must be at most 500 characters'],
    ];
    for (const [body, msg] of cases) {
      const res = await send('POST', '/im/group', body);
      expectError(res, 400, 1000, msg);
      expect(res.body.request).toBe('POST /im/group');
    }
  });

  it('refuses more members than a group holds (5 here), saying so', async () => {
    const res = await send('POST', '/im/group', {
      group_name: 'g',
      member_client_ids: 'a:b:c:d:e:f',
      organization_id: 1,
    });
    expectError(res, 400, 1000, 'member_client_ids: a group holds at most 5 members; 6 were given');
  });

  it('answers 413 for a body over 1 MiB', async () => {
    const res = await send('POST', '/im/group', {
      group_name: 'g',
      member_client_ids: 'a',
      organization_id: 1,
      description: 'x'.repeat(1_100_000),
    });
    expectError(res, 413, 1011, /^body: /);
  });

  it('honours Idempotency-Key: the same 201 again, one group', async () => {
    org++;
    const body = { group_name: 'once', member_client_ids: 'a', organization_id: org };
    const first = await send('POST', '/im/group', body, { 'idempotency-key': 'abc-123' });
    const again = await send('POST', '/im/group', body, { 'idempotency-key': 'abc-123' });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    const list = await send('GET', `/im/org/${org}/groups`);
    expect(list.body.total_count).toBe(1);
    const other = await send(
      'POST',
      '/im/group',
      { ...body, group_name: 'twice' },
      { 'idempotency-key': 'abc-123' },
    );
    expectError(other, 409, 1016, /^Idempotency-Key: /);
    const bad = await send('POST', '/im/group', body, { 'idempotency-key': 'has space' });
    expectError(bad, 400, 1000, 'idempotency-key: must be 1-128 printable ASCII characters without spaces');
  });
});

describe('/im/group/<group_id>', () => {
  it('renames with PUT (200 {group_name}), JSON or form', async () => {
    const { group_id } = await newGroup();
    const res = await send('PUT', `/im/group/${group_id}`, { group_name: 'g123' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ group_name: 'g123' });
    const form = await send('PUT', `/im/group/${group_id}`, 'group_name=g456');
    expect(form.body).toEqual({ group_name: 'g456' });
  });

  it('reads a group with its members, and whether a client is one of them', async () => {
    const { group_id } = await newGroup({ member_client_ids: 'b:a', admin_uid: 'adm' });
    const res = await send('GET', `/im/group/${group_id}?client_id=a`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      group_id,
      member_client_ids: 'a:adm:b',
      member_count: 3,
      is_exist_in_group: true,
    });
    expect((await send('GET', `/im/group/${group_id}?client_id=zz`)).body.is_exist_in_group).toBe(false);
  });

  it('deletes with 204 and no body; then every read and change is a 404 with 7003', async () => {
    const { group_id } = await newGroup();
    const res = await send('DELETE', `/im/group/${group_id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    for (const [method, url, body] of [
      ['GET', `/im/group/${group_id}`, undefined],
      ['PUT', `/im/group/${group_id}`, { group_name: 'x' }],
      ['DELETE', `/im/group/${group_id}`, undefined],
      ['POST', `/im/group/${group_id}/member`, { member_client_ids: 'c' }],
      ['DELETE', `/im/group/${group_id}/member?member_client_ids=a`, undefined],
    ] as const) {
      const answer = await send(method, url, body);
      expectError(answer, 404, 7003, `group_id: group ${group_id} not found`);
      expect(answer.body.request).toBe(`${method} ${url.split('?')[0]}`);
    }
  });

  it('wants a positive integer id in the path', async () => {
    expectError(await send('GET', '/im/group/abc'), 400, 1000, 'group_id: must be a positive integer');
    expectError(await send('DELETE', '/im/group/0'), 400, 1000, 'group_id: must be a positive integer');
  });
});

describe('/im/group/<group_id>/member', () => {
  it('adds with 201 {group_id, member_client_ids}; members already in stay as they are', async () => {
    const { group_id } = await newGroup({ member_client_ids: 'a' });
    const res = await send('POST', `/im/group/${group_id}/member`, { member_client_ids: '667:775:a:667' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ group_id, member_client_ids: '667:775:a' });
    expect((await send('GET', `/im/group/${group_id}`)).body.member_client_ids).toBe('667:775:a');
    const over = await send('POST', `/im/group/${group_id}/member`, { member_client_ids: 'x:y:z' });
    expectError(
      over,
      400,
      1000,
      'member_client_ids: a group holds at most 5 members; it has 3 and 3 would join',
    );
  });

  it('removes with 204, the list in the query string, a JSON body or a form body', async () => {
    const { group_id } = await newGroup({ member_client_ids: 'a:b:c:d' });
    expect((await send('DELETE', `/im/group/${group_id}/member?member_client_ids=a:nobody`)).status).toBe(
      204,
    );
    expect((await send('DELETE', `/im/group/${group_id}/member`, { member_client_ids: 'b' })).status).toBe(
      204,
    );
    const form = await send('DELETE', `/im/group/${group_id}/member`, 'member_client_ids=c');
    expect(form.status).toBe(204);
    expect(form.text).toBe('');
    expect((await send('GET', `/im/group/${group_id}`)).body.member_client_ids).toBe('d');
  });

  it('refuses a removal without a list (400) or of the admin (403, 1008)', async () => {
    const { group_id } = await newGroup({ member_client_ids: 'a', admin_uid: 'boss' });
    expectError(
      await send('DELETE', `/im/group/${group_id}/member`),
      400,
      1000,
      'member_client_ids: is required',
    );
    expectError(
      await send('DELETE', `/im/group/${group_id}/member?member_client_ids=a:`),
      400,
      1000,
      /^member_client_ids: must be ids/,
    );
    const res = await send('DELETE', `/im/group/${group_id}/member`, { member_client_ids: 'boss' });
    expectError(res, 403, 1008, /^member_client_ids: "boss" is the group's admin/);
    expect((await send('GET', `/im/group/${group_id}`)).body.member_client_ids).toBe('a:boss');
  });
});

describe('organization and user lists', () => {
  it('pages /im/org/<id>/groups: page 1 of 20 by default, per_page at most 100, by id', async () => {
    org++;
    const ids: number[] = [];
    for (let i = 0; i < 22; i++) ids.push((await newGroup({ group_name: `n${i}` })).group_id);
    const first = await send('GET', `/im/org/${org}/groups`);
    expect(first.status).toBe(200);
    expect(first.body.total_count).toBe(22);
    expect((first.body.data as Json[]).map((g) => g.id)).toEqual(ids.slice(0, 20));
    expect((first.body.data as Json[])[0]).toEqual({ id: ids[0], group_name: 'n0' });
    const last = await send('GET', `/im/org/${org}/groups?page=2`);
    expect((last.body.data as Json[]).map((g) => g.id)).toEqual(ids.slice(20));
    const small = await send('GET', `/im/org/${org}/groups?page=2&per_page=3`);
    expect((small.body.data as Json[]).map((g) => g.id)).toEqual(ids.slice(3, 6));
    expectError(
      await send('GET', `/im/org/${org}/groups?per_page=101`),
      400,
      1000,
      'per_page: must be an integer from 1 to 100',
    );
    expectError(
      await send('GET', `/im/org/${org}/groups?page=0`),
      400,
      1000,
      'page: must be a positive integer',
    );
    expectError(
      await send('GET', '/im/org/x/groups'),
      400,
      1000,
      'organization_id: must be a positive integer',
    );
  });

  it('lists contacts: the groups with avatar "0" when none', async () => {
    org++;
    const a = await newGroup({ group_name: 'g123' });
    const b = await newGroup({ group_name: '676', group_avatar: 'https://x.example/a.png' });
    const res = await send('GET', `/im/org/${org}/contacts`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: [
        { id: a.group_id, avatar: '0', name: 'g123', type: 'group' },
        { id: b.group_id, avatar: 'https://x.example/a.png', name: '676', type: 'group' },
      ],
    });
  });

  it("lists a client's groups", async () => {
    org++;
    const a = await newGroup({ member_client_ids: 'me-1:x' });
    await newGroup({ member_client_ids: 'x' });
    const res = await send('GET', '/im/user/me-1/groups', undefined, {}, user('me-1'));
    expect(res.status).toBe(200);
    expect(res.body.total_count).toBe(1);
    expect((res.body.data as Json[])[0]).toMatchObject({ id: a.group_id, organization_id: org });
    expectError(
      await send('GET', '/im/user/a:b/groups', undefined, {}, user('me-1')),
      400,
      1000,
      "client_id: must be 1-64 characters without ':'",
    );
  });
});

describe('API description', () => {
  it('lists every group, organization and admin user route in the OpenAPI document', async () => {
    const doc = await send('GET', '/docs/json');
    expect(doc.status).toBe(200);
    const paths = doc.body.paths as Record<string, Record<string, { tags?: string[] }>>;
    const expected: [string, string, string][] = [
      ['/im/group', 'post', 'group'],
      ['/im/group/{group_id}', 'get', 'group'],
      ['/im/group/{group_id}', 'put', 'group'],
      ['/im/group/{group_id}', 'delete', 'group'],
      ['/im/group/{group_id}/member', 'post', 'group'],
      ['/im/group/{group_id}/member', 'delete', 'group'],
      ['/im/user/{client_id}/groups', 'get', 'group'],
      ['/im/org/{organization_id}/groups', 'get', 'organization'],
      ['/im/org/{organization_id}/contacts', 'get', 'organization'],
      ['/im/admin/orgs/{organization_id}/users/{uid}', 'put', 'admin'],
      ['/im/admin/orgs/{organization_id}/users/{uid}', 'delete', 'admin'],
    ];
    for (const [path, method, tag] of expected) expect(paths[path]?.[method]?.tags).toEqual([tag]);
  });
});

describe('readiness and outages', () => {
  it('reports the group service in /readyz', async () => {
    const res = await send('GET', '/readyz');
    expect((res.body.services as Json)['im-group']).toBe(true);
  });

  it('answers 503 (1013) when no group service is running', async () => {
    await h.stopGroupService();
    expectError(await send('GET', '/im/group/1'), 503, 1013, /^the group service is unavailable/);
    expectError(
      await send('GET', `/im/org/${org}/contacts`),
      503,
      1013,
      /is unavailable: no service is answering$/,
    );
    expect(((await send('GET', '/readyz')).body.services as Json)['im-group']).toBe(false);
  });
});
