import { pollUntil, type Stack } from '@im/testkit';
import type { FieldSpec, RouteSpec } from './routes.js';

/**
 * The data the sweep needs so that a request with one hostile field and every other field valid
 * gets past the lookups to the code that handles it: directory users and classes (published
 * through the admin routes, as a directory system would), and groups. Routes that delete get
 * victims of their own, so that the other routes keep finding what they look up.
 */
export interface Fixtures {
  appId: string;
  organizationId: number;
  classId: number;
  /** The class PUT /im/admin/classes rewrites. */
  adminClassId: number;
  /** The class DELETE /im/admin/classes deletes. */
  victimClassId: number;
  /** The class POST /im/org/<class_id>/message pushes to: `classId` was pushed already, while seeding. */
  pushClassId: number;
  /** That push of `classId`, delivered to c1: its recipients are listed, c1 marks it read. */
  pushId: number;
  groupId: number;
  /** The group DELETE /im/group/<id> deletes. */
  victimGroupId: number;
  uid: number;
  victimUid: number;
}

export const APP_ID = '1';
const ORG = 1;

type Call = (
  method: string,
  path: string,
  token: string,
  body?: object,
) => Promise<{ status: number; body: unknown }>;

function caller(stack: Stack): Call {
  return async (method, path, token, body) => {
    const res = await fetch(`${stack.gatewayUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}

async function expectStatus(
  call: Call,
  status: number,
  ...args: Parameters<Call>
): Promise<Record<string, unknown>> {
  const res = await call(...args);
  if (res.status !== status) {
    throw new Error(`seeding: ${args[0]} ${args[1]} answered ${res.status} ${JSON.stringify(res.body)}`);
  }
  return res.body as Record<string, unknown>;
}

export async function seedFixtures(stack: Stack, serviceToken: string): Promise<Fixtures> {
  const call = caller(stack);
  const orgAdmin = stack.token({ sub: 'o-hostile', orgs: [ORG], role: 'org_admin' });
  const fx: Fixtures = {
    appId: APP_ID,
    organizationId: ORG,
    classId: 901,
    adminClassId: 902,
    victimClassId: 903,
    pushClassId: 904,
    pushId: 0,
    groupId: 0,
    victimGroupId: 0,
    uid: 5,
    victimUid: 7,
  };
  for (const [uid, role] of [
    [fx.uid, 'teacher'],
    [6, 'student'],
    [fx.victimUid, 'student'],
  ] as const) {
    await expectStatus(call, 202, 'PUT', `/im/admin/orgs/${ORG}/users/${uid}`, serviceToken, {
      name: `User ${uid}`,
      role,
    });
  }
  for (const classId of [fx.classId, fx.adminClassId, fx.victimClassId, fx.pushClassId]) {
    await expectStatus(call, 202, 'PUT', `/im/admin/classes/${classId}`, serviceToken, {
      organization_id: ORG,
      name: `Class ${classId}`,
      active: true,
      student_uids: ['c1', 'c2'],
    });
  }
  const group = (name: string, conversion: string) =>
    expectStatus(call, 201, 'POST', '/im/group', orgAdmin, {
      group_name: name,
      member_client_ids: 'c1:c2',
      organization_id: ORG,
      admin_uid: 'c2',
      conversion_id: conversion,
    });
  fx.groupId = (await group('Hostile sweep', 'conv-hostile')).group_id as number;
  fx.victimGroupId = (await group('Hostile victim', 'conv-victim')).group_id as number;

  // The projections are fed by events: wait until both have what was published.
  const deadline = Date.now() + 20_000;
  const classesKnown = await pollUntil(
    async () =>
      (
        await Promise.all(
          [fx.classId, fx.victimClassId].map((id) => call('GET', `/im/class/${id}/pushes`, serviceToken)),
        )
      ).every((res) => res.status === 200),
    deadline,
  );
  const usersKnown = await pollUntil(async () => {
    const res = await call('GET', `/im/org/${ORG}/contacts`, serviceToken);
    const data = (res.body as { data?: { id: number; type: string }[] }).data ?? [];
    return data.filter((c) => c.type === 'user').length >= 3;
  }, deadline);
  if (!classesKnown || !usersKnown) throw new Error('seeding: the directory projections never caught up');

  // A push c1 has received: the routes about one push (recipients, a read mark) need one to exist.
  fx.pushId = (await expectStatus(call, 201, 'POST', `/im/org/${fx.classId}/message`, orgAdmin, {}))
    .push_history_record_id as number;
  const delivered = await pollUntil(async () => {
    const res = await call('GET', '/im/user/c1/notifications', serviceToken);
    return ((res.body as { total_count?: number }).total_count ?? 0) >= 1;
  }, Date.now() + 20_000);
  if (!delivered) throw new Error('seeding: the push never reached c1');
  return fx;
}

/** A valid value for a field, by its name where the fixtures know it, else from its schema. */
export function baselineValue(route: RouteSpec, field: FieldSpec, fx: Fixtures): unknown {
  const deleting = route.method === 'DELETE';
  switch (field.name) {
    case 'app_id':
      return fx.appId;
    case 'client_id':
      return 'c1';
    case 'conversion_id':
      // Owned by no group: the caller signs for itself. A body's conversion_id must be unused.
      return field.place === 'body' ? '' : 'conv-free';
    case 'sorted_member_ids':
      return 'c2:c3';
    case 'class_id':
      if (route.template.startsWith('/im/admin/')) return deleting ? fx.victimClassId : fx.adminClassId;
      return route.method === 'POST' ? fx.pushClassId : fx.classId;
    case 'push_history_record_id':
      return fx.pushId;
    case 'group_id':
      return deleting && route.template === '/im/group/{group_id}' ? fx.victimGroupId : fx.groupId;
    case 'organization_id':
      return fx.organizationId;
    case 'uid':
      return deleting ? fx.victimUid : fx.uid;
    case 'member_client_ids':
      return route.template === '/im/group' ? 'c1:c3' : 'c3';
    case 'group_name':
      return 'Hostile sweep';
    case 'name':
      return 'Wu';
    case 'message':
      return 'hello';
    case 'student_uids':
      return ['c1', 'c2'];
  }
  const { schema } = field;
  if (schema.default !== undefined) return schema.default;
  if (schema.example !== undefined) return schema.example;
  if (schema.examples?.length) return schema.examples[0];
  if (schema.enum?.length) return schema.enum[0];
  if (schema.anyOf?.[0]?.enum?.length) return schema.anyOf[0].enum[0];
  switch (schema.type) {
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    default:
      return 'x';
  }
}
