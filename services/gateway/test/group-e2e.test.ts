import { bearer, type Stack, startStack } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The whole system as separate processes (what `npm start` runs), group service included.
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    mode: 'source',
    logLevel: 'warn',
    env: { SIGNATURE_APP_KEYS: JSON.stringify({ '1': 'e2e-key' }) },
  });
});
afterAll(() => stack?.stop());

/** The school's administrator; the directory's admin routes take a service. */
async function call(method: string, path: string, body?: unknown) {
  const claims = path.startsWith('/im/admin/')
    ? { sub: 'directory', role: 'service' }
    : { sub: 'o77', orgs: [77], role: 'org_admin' };
  const res = await fetch(`${stack.gatewayUrl}${path}`, {
    method,
    headers: {
      ...bearer(stack.token(claims)),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

describe('the running system, group service included', () => {
  it('is ready, creates a group and lists it with a directory user as contacts', async () => {
    const ready = await call('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect((ready.body.services as Record<string, boolean>)['im-group']).toBe(true);

    const created = await call('POST', '/im/group', {
      group_name: 'e2e',
      member_client_ids: 'a:b',
      organization_id: 77,
    });
    expect(created.status).toBe(201);
    const groupId = created.body.group_id;
    expect((await call('PUT', '/im/admin/orgs/77/users/5', { name: 'Wu', role: 'teacher' })).status).toBe(
      202,
    );

    const deadline = Date.now() + 10_000;
    let contacts: unknown;
    while (Date.now() < deadline) {
      contacts = (await call('GET', '/im/org/77/contacts')).body.data;
      if (Array.isArray(contacts) && contacts.length === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(contacts).toEqual([
      { id: groupId, avatar: '0', name: 'e2e', type: 'group' },
      { id: 5, avatar: '0', name: 'Wu', type: 'user' },
    ]);
    expect((await call('DELETE', `/im/group/${groupId}`)).status).toBe(204);
    expect((await call('GET', '/im/org/77/groups')).body).toEqual({ total_count: 0, data: [] });
  });
});
