import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GroupGatewayHarness, startGroupGateway } from './group-harness.js';
import { orgAdmin } from './helpers.js';

/**
 * Contacts are served from a reply kept per organization while its lists are unchanged
 * (services/group/src/contacts-cache.ts): every change of a group must show in the very next read.
 */
let h: GroupGatewayHarness;

beforeAll(async () => {
  h = await startGroupGateway();
});
afterAll(() => h?.close());

type Json = Record<string, unknown>;
const ADMIN = orgAdmin('head', 71);

async function send(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: Json) {
  const res = await h.gateway.inject({
    method,
    url,
    ...(payload === undefined ? {} : { payload }),
    headers: h.auth.as(ADMIN),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : {}) as Json };
}

const groupNames = async () => {
  const res = await send('GET', '/im/org/71/contacts');
  expect(res.status).toBe(200);
  return (res.body.data as Json[]).filter((c) => c.type === 'group').map((c) => c.name);
};

describe('GET /im/org/<organization_id>/contacts after changes', () => {
  it('shows each create, rename and delete in the next read', async () => {
    const create = (group_name: string) =>
      send('POST', '/im/group', { group_name, member_client_ids: 'a:b', organization_id: 71 });
    const first = await create('one');
    expect(first.status).toBe(201);
    expect(await groupNames()).toEqual(['one']);
    expect(await groupNames()).toEqual(['one']); // a second read of an unchanged organization

    const second = await create('two');
    expect(await groupNames()).toEqual(['one', 'two']);

    expect((await send('PUT', `/im/group/${first.body.group_id}`, { group_name: 'uno' })).status).toBe(200);
    expect(await groupNames()).toEqual(['uno', 'two']);

    expect((await send('DELETE', `/im/group/${second.body.group_id}`)).status).toBe(204);
    expect(await groupNames()).toEqual(['uno']);
  });
});
