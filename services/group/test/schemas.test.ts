import {
  AddMembersRequest,
  AppError,
  CreateGroupRequest,
  compileValidator,
  DirectoryUserBody,
  ErrorCode,
  OrgGroupsRequest,
  UpdateGroupRequest,
} from '@im/contracts';
import { describe, expect, it } from 'vitest';

/** The shared schemas as the service applies them: the rule of each field and the message it gives. */
const create = compileValidator(CreateGroupRequest);
const base = { group_name: 'g', member_client_ids: 'a:b', organization_id: 1 };

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe(ErrorCode.InvalidParameter);
    return (error as AppError).message;
  }
  throw new Error('accepted where a 400 was expected');
}

describe('group_name', () => {
  it('accepts 1-64 characters once trimmed, blanks around allowed', () => {
    for (const name of ['x', 'x'.repeat(64), `  ${'x'.repeat(64)}\t`, ' a b ', '班级群']) {
      expect(() => create({ ...base, group_name: name })).not.toThrow();
    }
  });

  it('refuses empty, blank-only and 65 characters, naming the field', () => {
    for (const name of ['', '   ', '\n\t', 'x'.repeat(65), ` ${'x'.repeat(65)} `]) {
      expect(messageOf(() => create({ ...base, group_name: name }))).toBe(
        'group_name: must be 1-64 characters after trimming',
      );
    }
  });
});

describe('client ids and member lists', () => {
  it('accepts ids of 1-64 characters separated by ":"', () => {
    expect(() => create({ ...base, member_client_ids: `${'a'.repeat(64)}:b:b` })).not.toThrow();
  });

  it('refuses empty ids, empty lists, trailing ":" and ids of 65 characters', () => {
    for (const list of ['', 'a::b', 'a:', ':a', 'x'.repeat(65)]) {
      expect(messageOf(() => create({ ...base, member_client_ids: list }))).toMatch(/^member_client_ids: /);
    }
  });

  it('refuses an admin_uid with ":"', () => {
    expect(messageOf(() => create({ ...base, admin_uid: 'a:b' }))).toMatch(/^admin_uid: /);
  });
});

describe('ids, avatar, paging', () => {
  it('wants positive integers for group and organization ids', () => {
    for (const id of [0, -1, 1.5, '3']) {
      expect(messageOf(() => create({ ...base, organization_id: id }))).toBe(
        'organization_id: must be a positive integer',
      );
      expect(messageOf(() => compileValidator(UpdateGroupRequest)({ group_id: id, group_name: 'x' }))).toBe(
        'group_id: must be a positive integer',
      );
    }
  });

  it('takes an empty avatar or an http(s) URL', () => {
    for (const url of ['', 'http://a/b.jpg', 'https://pic.example.com/232rwfrqw.jpg']) {
      expect(() => create({ ...base, group_avatar: url })).not.toThrow();
    }
    for (const url of ['ftp://a/b', 'pic.jpg', 'http://', 'http://a b']) {
      expect(messageOf(() => create({ ...base, group_avatar: url }))).toBe(
        'group_avatar: must be empty or an http(s) URL',
      );
    }
  });

  it('bounds per_page to 1-100', () => {
    const org = compileValidator(OrgGroupsRequest);
    expect(() => org({ organization_id: 1, page: 2, per_page: 100 })).not.toThrow();
    expect(messageOf(() => org({ organization_id: 1, per_page: 101 }))).toBe(
      'per_page: must be an integer from 1 to 100',
    );
    expect(messageOf(() => org({ organization_id: 1, page: 0 }))).toMatch(/^page: /);
  });

  it('refuses fields the request does not have', () => {
    expect(
      messageOf(() => compileValidator(AddMembersRequest)({ group_id: 1, member_client_ids: 'a', x: 1 })),
    ).toMatch(/^x: /);
  });

  it('wants a role of teacher or student for directory users', () => {
    const user = compileValidator(DirectoryUserBody);
    expect(() => user({ name: 'LEE', role: 'teacher' })).not.toThrow();
    expect(messageOf(() => user({ name: 'LEE', role: 'parent' }))).toBe(
      "role: must be 'teacher' or 'student'",
    );
  });
});
