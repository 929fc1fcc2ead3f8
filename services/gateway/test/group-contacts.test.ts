import { DirectoryUserSubjects, Streams } from '@im/contracts';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GroupGatewayHarness, startGroupGateway } from './group-harness.js';
import { type Claims, orgAdmin, service } from './helpers.js';

/**
 * Directory users through the admin endpoints: each call publishes a directory event (202), the
 * group service's projection picks it up, and contacts show it within seconds.
 */
let h: GroupGatewayHarness;

beforeAll(async () => {
  h = await startGroupGateway();
});
afterAll(() => h?.close());

type Json = Record<string, unknown>;

/** The directory system (admin routes) is a service; the schools' administrators do the rest. */
const DIRECTORY = service('directory');
const ADMIN = orgAdmin('head', 60, 61, 62);

async function send(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: Json | string) {
  const form = typeof body === 'string';
  const as: Claims = url.startsWith('/im/admin/') ? DIRECTORY : ADMIN;
  const res = await h.gateway.inject({
    method,
    url,
    ...(body === undefined ? {} : { payload: body }),
    headers: {
      ...h.auth.as(as),
      ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
  });
  return { status: res.statusCode, body: res.json() as Json };
}

/** Polls contacts until the users part is `expected` (the projection is fed asynchronously). */
async function usersBecome(organizationId: number, expected: Json[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  let users: unknown;
  while (Date.now() < deadline) {
    const res = await send('GET', `/im/org/${organizationId}/contacts`);
    users = (res.body.data as Json[]).filter((c) => c.type === 'user');
    if (JSON.stringify(users) === JSON.stringify(expected)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(users).toEqual(expected);
}

describe('PUT and DELETE /im/admin/orgs/<organization_id>/users/<uid>', () => {
  it('publishes the user (202 {event_id}); contacts show it after the groups', async () => {
    const group = await send('POST', '/im/group', {
      group_name: 'g123',
      member_client_ids: 'a',
      organization_id: 60,
    });
    const res = await send('PUT', '/im/admin/orgs/60/users/529', {
      name: 'LEE',
      avatar: 'http://hisihi-avator.oss-cn-qingdao.aliyuncs.com/2015-07-15/55a62d15b9fc4-05505543.jpg',
      role: 'teacher',
    });
    expect(res.status).toBe(202);
    expect(res.body.event_id).toMatch(/^[0-9a-f-]{36}$/);
    const form = await send('PUT', '/im/admin/orgs/60/users/13', 'name=+Zhang+&role=student');
    expect(form.status).toBe(202);
    await usersBecome(60, [
      { id: 13, avatar: '0', name: 'Zhang', type: 'user' },
      {
        id: 529,
        avatar: 'http://hisihi-avator.oss-cn-qingdao.aliyuncs.com/2015-07-15/55a62d15b9fc4-05505543.jpg',
        name: 'LEE',
        type: 'user',
      },
    ]);
    const contacts = await send('GET', '/im/org/60/contacts');
    expect((contacts.body.data as Json[])[0]).toEqual({
      id: group.body.group_id,
      avatar: '0',
      name: 'g123',
      type: 'group',
    });

    // The event on the stream is the one answered, de-duplicated by its id.
    const jsm = await jetstreamManager(h.nc);
    const last = await jsm.streams.getMessage(Streams.directory.name, {
      last_by_subj: DirectoryUserSubjects.upserted,
    });
    expect(last?.json()).toMatchObject({
      event_id: form.body.event_id,
      organization_id: 60,
      uid: 13,
      name: 'Zhang',
    });
    expect(last?.header.get('Nats-Msg-Id')).toBe(form.body.event_id);
  });

  it('updates a user in place and removes a deleted one', async () => {
    expect((await send('PUT', '/im/admin/orgs/61/users/7', { name: 'Old', role: 'student' })).status).toBe(
      202,
    );
    expect((await send('PUT', '/im/admin/orgs/61/users/7', { name: 'New', role: 'student' })).status).toBe(
      202,
    );
    await usersBecome(61, [{ id: 7, avatar: '0', name: 'New', type: 'user' }]);
    const res = await send('DELETE', '/im/admin/orgs/61/users/7');
    expect(res.status).toBe(202);
    expect(typeof res.body.event_id).toBe('string');
    await usersBecome(61, []);
  });

  it('names the broken field in a 400 and publishes nothing', async () => {
    const cases: [string, Json, string][] = [
      ['/im/admin/orgs/62/users/1', { name: 'A', role: 'parent' }, "role: must be 'teacher' or 'student'"],
      [
        '/im/admin/orgs/62/users/1',
        { name: '  ', role: 'student' },
        'name: must be 1-64 characters after trimming',
      ],
      [
        '/im/admin/orgs/62/users/1',
        { name: 'A', role: 'student', avatar: 'x.png' },
        'avatar: must be empty or an http(s) URL',
      ],
      ['/im/admin/orgs/62/users/abc', { name: 'A', role: 'student' }, 'uid: must be a positive integer'],
      [
        '/im/admin/orgs/0/users/1',
        { name: 'A', role: 'student' },
        'organization_id: must be a positive integer',
      ],
      ['/im/admin/orgs/62/users/1', { role: 'student' }, 'name: is required'],
    ];
    for (const [url, body, msg] of cases) {
      const res = await send('PUT', url, body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error_code: 1000, msg, request: `PUT ${url}` });
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    await usersBecome(62, []);
  });
});
