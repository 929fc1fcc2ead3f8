import type { AppError, Caller, ConversationGroup } from '@im/contracts';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';
import { assertGroupAllows, type MemberActionAsk } from '../src/group-rules.js';

const group: ConversationGroup = {
  group_id: 12,
  organization_id: 3,
  admin_uid: 'boss',
  status: 'active',
  is_member: false,
};
const member = { ...group, is_member: true };
const user = (sub: string, ...orgs: number[]): Caller => ({ sub, orgs, role: 'user' });
const orgAdmin = (sub: string, ...orgs: number[]): Caller => ({ sub, orgs, role: 'org_admin' });
const backend: Caller = { sub: 'svc', orgs: [], role: 'service' };

const ask = (action: 'invite' | 'kick', clientId: string, members: string[]): MemberActionAsk => ({
  action,
  clientId,
  conversionId: 'conv\n1',
  members,
});

/** `code message` of the refusal, or undefined when the rule lets the caller through. */
function refusal(run: () => void): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return `${(error as AppError).code} ${(error as AppError).message}`;
  }
}

describe('signatures follow the group rules', () => {
  it('invite: the admin, an org_admin of the organization, a service', () => {
    for (const caller of [user('boss'), orgAdmin('o3', 3), backend]) {
      expect(
        refusal(() => assertGroupAllows(caller, ask('invite', caller.sub, ['x']), group, 'allow')),
      ).toBeUndefined();
    }
    for (const [caller, g] of [
      [user('c1', 3), member],
      [orgAdmin('o4', 4), group],
    ] as const) {
      expect(refusal(() => assertGroupAllows(caller, ask('invite', caller.sub, ['x']), g, 'allow'))).toBe(
        `1008 client_id: "${caller.sub}" may not add members to group 12: that takes its admin, an org_admin of its organization or a service`,
      );
    }
  });

  it('join: the members and the managers; never an outsider, of the organization or not', () => {
    expect(
      refusal(() => assertGroupAllows(user('c1', 3), ask('invite', 'c1', []), member, 'allow')),
    ).toBeUndefined();
    expect(
      refusal(() => assertGroupAllows(orgAdmin('o3', 3), ask('invite', 'o3', []), group, 'allow')),
    ).toBeUndefined();
    for (const caller of [user('c1', 3), user('c9', 4)]) {
      expect(refusal(() => assertGroupAllows(caller, ask('invite', caller.sub, []), group, 'allow'))).toMatch(
        new RegExp(`^1008 client_id: "${caller.sub}" is not a member of group 12`),
      );
    }
  });

  it('kick: the managers, or anyone kicking only itself; never the admin, whoever asks', () => {
    expect(
      refusal(() => assertGroupAllows(orgAdmin('o3', 3), ask('kick', 'o3', ['a', 'b']), group, 'allow')),
    ).toBeUndefined();
    expect(
      refusal(() => assertGroupAllows(user('c1', 3), ask('kick', 'c1', ['c1']), member, 'allow')),
    ).toBeUndefined();
    expect(
      refusal(() => assertGroupAllows(user('c1', 3), ask('kick', 'c1', ['c1', 'c2']), member, 'allow')),
    ).toMatch(/^1008 sorted_member_ids: removing others from group 12 /);
    for (const caller of [user('boss'), orgAdmin('o3', 3), backend]) {
      expect(
        refusal(() => assertGroupAllows(caller, ask('kick', caller.sub, ['a', 'boss']), group, 'allow')),
      ).toBe('1008 sorted_member_ids: "boss" is the admin of group 12 and cannot be removed');
    }
  });

  it('a deleted group is a 404 (7003) naming the conversation, for everyone', () => {
    for (const caller of [user('boss'), backend]) {
      expect(
        refusal(() =>
          assertGroupAllows(caller, ask('invite', caller.sub, []), { ...group, status: 'deleted' }, 'allow'),
        ),
      ).toBe('7003 conversion_id: the group of conversation "conv\\n1" was deleted');
    }
  });

  it('a conversation no group owns: allowed, or with "refuse" refused to all but services', () => {
    expect(
      refusal(() => assertGroupAllows(user('c1'), ask('kick', 'c1', ['c2']), null, 'allow')),
    ).toBeUndefined();
    expect(refusal(() => assertGroupAllows(user('c1'), ask('kick', 'c1', ['c2']), null, 'refuse'))).toBe(
      '1008 conversion_id: "conv\\n1" belongs to no group; invite, kick and join are signed for group conversations only',
    );
    expect(
      refusal(() => assertGroupAllows(backend, ask('invite', 'c1', []), null, 'refuse')),
    ).toBeUndefined();
  });
});

describe('configuration', () => {
  const keys = { SIGNATURE_APP_KEYS: '{"1": "k"}' };

  it('defaults: integer seconds, unowned conversations allowed, 2 s for the group service', () => {
    expect(readConfig(keys)).toMatchObject({
      timestampFormat: 'seconds',
      unownedConversations: 'allow',
      groupTimeoutMs: 2_000,
    });
  });

  it('reads the settings, and refuses a wrong value naming the variable', () => {
    expect(
      readConfig({
        ...keys,
        SIGNATURE_TIMESTAMP_FORMAT: 'fraction',
        SIGNATURE_UNOWNED_CONVERSATIONS: 'refuse',
      }),
    ).toMatchObject({ timestampFormat: 'fraction', unownedConversations: 'refuse' });
    expect(() => readConfig({ ...keys, SIGNATURE_TIMESTAMP_FORMAT: 'micros' })).toThrow(
      /SIGNATURE_TIMESTAMP_FORMAT/,
    );
    expect(() => readConfig({ ...keys, SIGNATURE_UNOWNED_CONVERSATIONS: 'deny' })).toThrow(
      /SIGNATURE_UNOWNED_CONVERSATIONS/,
    );
  });
});
