import { describe, expect, it } from 'vitest';
import {
  AppError,
  belongsTo,
  type Caller,
  callerFromClaims,
  callerFromHeader,
  encodeCaller,
  forbidden,
  isOrgAdminOf,
  isSelf,
  isService,
  MAX_CALLER_ORGS,
  unauthenticated,
} from '../src/index.js';

const student: Caller = { sub: 'c565', orgs: [1, 2], role: 'user' };
const admin: Caller = { sub: 'o1', orgs: [1], role: 'org_admin' };
const backend: Caller = { sub: 'svc', orgs: [], role: 'service' };

describe('predicates', () => {
  it('isService: only the service role', () => {
    expect([student, admin, backend].map(isService)).toEqual([false, false, true]);
  });

  it('isSelf compares the client id exactly', () => {
    expect(isSelf(student, 'c565')).toBe(true);
    expect(isSelf(student, 'C565')).toBe(false);
    expect(isSelf(student, 'c5650')).toBe(false);
  });

  it('belongsTo: the organizations in the token, whatever the role', () => {
    expect(belongsTo(student, 2)).toBe(true);
    expect(belongsTo(student, 3)).toBe(false);
    expect(belongsTo(backend, 1)).toBe(false);
  });

  it('isOrgAdminOf: the org_admin role and that organization, both', () => {
    expect(isOrgAdminOf(admin, 1)).toBe(true);
    expect(isOrgAdminOf(admin, 2)).toBe(false);
    expect(isOrgAdminOf(student, 1)).toBe(false); // a member, not an admin
    expect(isOrgAdminOf(backend, 1)).toBe(false); // a service is not an org_admin: rules say "or service"
  });

  it('forbidden is a 403 (1008) and unauthenticated a 401 (1005), each naming the field', () => {
    const denied = forbidden('client_id', 'not yours');
    expect(denied).toBeInstanceOf(AppError);
    expect([denied.status, denied.code, denied.message]).toEqual([403, 1008, 'client_id: not yours']);
    const unknown = unauthenticated('authorization', 'no token');
    expect([unknown.status, unknown.code, unknown.message]).toEqual([401, 1005, 'authorization: no token']);
  });
});

describe('callerFromClaims (token claims)', () => {
  it('keeps sub, orgs and role; other claims stay behind; orgs defaults to none', () => {
    const caller = callerFromClaims({ sub: 'o3', orgs: [3], role: 'org_admin', exp: 9, iss: 'x' });
    expect(caller).toEqual({ sub: 'o3', orgs: [3], role: 'org_admin' });
    expect(Object.isFrozen(caller)).toBe(true);
    expect(callerFromClaims({ sub: 'svc', role: 'service' })).toEqual({
      sub: 'svc',
      orgs: [],
      role: 'service',
    });
  });

  it.each([
    [{ orgs: [], role: 'user' }, /^sub: must be a client id/],
    [{ sub: '', orgs: [], role: 'user' }, /^sub: /],
    [{ sub: 'a:b', orgs: [], role: 'user' }, /^sub: /],
    [{ sub: 'x'.repeat(65), orgs: [], role: 'user' }, /^sub: /],
    [
      { sub: 'u', orgs: [1, '2'], role: 'user' },
      /^orgs\[1\]: must be a list of at most 1000 positive integers$/,
    ],
    [{ sub: 'u', orgs: [0], role: 'user' }, /^orgs\[0\]: /],
    [{ sub: 'u', orgs: { $gt: 0 }, role: 'user' }, /^orgs: /],
    [{ sub: 'u', orgs: Array(MAX_CALLER_ORGS + 1).fill(1), role: 'user' }, /^orgs: /],
    [{ sub: 'u', orgs: [], role: 'admin' }, /^role: must be 'user', 'org_admin' or 'service'$/],
    [{ sub: 'u', orgs: [] }, /^role: /],
    [null, /^body: /],
  ])('refuses %j naming the claim', (claims, message) => {
    expect(callerFromClaims(claims)).toMatch(message);
  });
});

describe('Im-Caller header', () => {
  it('round-trips a caller through its compact JSON', () => {
    const header = encodeCaller(student);
    expect(header).toBe('{"sub":"c565","orgs":[1,2],"role":"user"}');
    expect(callerFromHeader(JSON.parse(header))).toEqual(student);
  });

  it('accepts nothing beyond the three fields, and needs all three', () => {
    expect(callerFromHeader({ ...student, admin: true })).toMatch(/^admin: /);
    expect(callerFromHeader({ sub: 'c565', role: 'user' })).toMatch(/^orgs: /);
  });
});
