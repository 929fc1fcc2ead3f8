import type { AppError, Caller } from '@im/contracts';
import { describe, expect, it } from 'vitest';
import {
  assertMayCreate,
  assertMayListGroupsOf,
  assertMayManage,
  assertMayReadGroup,
  assertMayReadOrganization,
  assertMayRemove,
} from '../src/authorize.js';

const group = { id: 12, organization_id: 3, admin_uid: 'boss' };
const user = (sub: string, ...orgs: number[]): Caller => ({ sub, orgs, role: 'user' });
const orgAdmin = (sub: string, ...orgs: number[]): Caller => ({ sub, orgs, role: 'org_admin' });
const backend: Caller = { sub: 'svc', orgs: [], role: 'service' };

/** The 403 a rule throws, or undefined when it lets the caller through. */
function refusal(rule: () => void): string | undefined {
  try {
    rule();
    return undefined;
  } catch (error) {
    expect((error as AppError).status).toBe(403);
    return (error as AppError).message;
  }
}

describe('group rules', () => {
  it('create: an org_admin of that organization, or a service', () => {
    expect(refusal(() => assertMayCreate(orgAdmin('o3', 3), 3))).toBeUndefined();
    expect(refusal(() => assertMayCreate(backend, 3))).toBeUndefined();
    expect(refusal(() => assertMayCreate(orgAdmin('o4', 4), 3))).toMatch(
      /^organization_id: creating a group in organization 3/,
    );
    expect(refusal(() => assertMayCreate(user('c1', 3), 3))).toMatch(/^organization_id: /);
  });

  it("rename, delete, add: the group's admin, an org_admin of its organization, or a service", () => {
    for (const caller of [user('boss'), orgAdmin('o3', 3), backend]) {
      expect(refusal(() => assertMayManage(caller, group, 'renaming'))).toBeUndefined();
    }
    for (const caller of [user('c1', 3), orgAdmin('o4', 4), user('boss2')]) {
      expect(refusal(() => assertMayManage(caller, group, 'renaming'))).toMatch(
        /^group_id: renaming group 12 /,
      );
    }
    // A group without an admin has none to match: an empty sub can never be one anyway.
    expect(refusal(() => assertMayManage(user('c1'), { ...group, admin_uid: '' }, 'deleting'))).toMatch(
      /^group_id: /,
    );
  });

  it('remove: the managers anyone; a member only itself', () => {
    expect(refusal(() => assertMayRemove(orgAdmin('o3', 3), group, ['a', 'b']))).toBeUndefined();
    expect(refusal(() => assertMayRemove(user('a', 3), group, ['a']))).toBeUndefined();
    expect(refusal(() => assertMayRemove(user('a', 3), group, ['a', 'b']))).toMatch(/^member_client_ids: /);
    expect(refusal(() => assertMayRemove(user('a', 3), group, ['b']))).toMatch(/^member_client_ids: /);
  });

  it("reads: the organization's members; a group also its own members; a client's list only itself", () => {
    expect(refusal(() => assertMayReadOrganization(user('c1', 2, 3), 3))).toBeUndefined();
    expect(refusal(() => assertMayReadOrganization(backend, 3))).toBeUndefined();
    expect(refusal(() => assertMayReadOrganization(orgAdmin('o4', 4), 3))).toMatch(/^organization_id: /);
    expect(refusal(() => assertMayReadGroup(user('guest'), group, ['guest', 'boss']))).toBeUndefined();
    expect(refusal(() => assertMayReadGroup(user('c1', 3), group, ['boss']))).toBeUndefined();
    expect(refusal(() => assertMayReadGroup(user('c1', 4), group, ['boss']))).toMatch(/^group_id: /);
    expect(refusal(() => assertMayListGroupsOf(user('c1'), 'c1'))).toBeUndefined();
    expect(refusal(() => assertMayListGroupsOf(backend, 'c1'))).toBeUndefined();
    expect(refusal(() => assertMayListGroupsOf(orgAdmin('o3', 3), 'c1'))).toMatch(/^client_id: /);
  });

  it('quotes the client ids it repeats, control characters escaped', () => {
    expect(refusal(() => assertMayListGroupsOf(user('c1'), 'c\r\n2'))).toBe(
      'client_id: only "c\\r\\n2" itself or a service may list its groups',
    );
  });
});
