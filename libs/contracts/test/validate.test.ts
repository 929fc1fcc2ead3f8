import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import {
  AppError,
  compileValidator,
  fieldOf,
  IdList,
  LoginSignatureRequest,
  serviceAnswering,
} from '../src/index.js';

describe('fieldOf', () => {
  it('turns JSON pointers into field names', () => {
    expect(fieldOf('')).toBe('body');
    expect(fieldOf('/app_id')).toBe('app_id');
    expect(fieldOf('/a/b/0')).toBe('a.b[0]');
  });
});

describe('compileValidator', () => {
  const validate = compileValidator(LoginSignatureRequest);

  it('passes a valid value through', () => {
    expect(validate({ app_id: '1', client_id: 'u1' })).toEqual({ app_id: '1', client_id: 'u1' });
  });

  it.each([
    [{ app_id: 'a:b', client_id: 'u1' }, "app_id: must be 1-64 characters without ':'"],
    [{ app_id: '1', client_id: '' }, "client_id: must be 1-64 characters without ':'"],
    [{ app_id: '1', client_id: 'x'.repeat(65) }, "client_id: must be 1-64 characters without ':'"],
  ])('refuses %j with a 400 naming the field', (value, message) => {
    try {
      validate(value);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).status).toBe(400);
      expect((error as AppError).message).toBe(message);
    }
  });
});

describe('IdList', () => {
  const list = compileValidator(Type.Object({ sorted_member_ids: IdList('members') }));
  const joinable = compileValidator(Type.Object({ sorted_member_ids: IdList('members', true) }));

  it('accepts colon-separated ids and refuses empty parts', () => {
    expect(list({ sorted_member_ids: '3:4:5' })).toBeTruthy();
    for (const bad of ['', ':', '3::4', '3:', ':3', `${'x'.repeat(65)}:1`]) {
      expect(() => list({ sorted_member_ids: bad })).toThrow(/^sorted_member_ids: /);
    }
  });

  it('accepts the empty list only where joining allows it', () => {
    expect(joinable({ sorted_member_ids: '' })).toBeTruthy();
    expect(() => joinable({ sorted_member_ids: '3::4' })).toThrow(/^sorted_member_ids: /);
  });
});

describe('serviceAnswering', () => {
  it('names the owner of a subject, not its second token', () => {
    expect(serviceAnswering('im.org.contacts')).toBe('group');
    expect(serviceAnswering('im.user.groups')).toBe('group');
    expect(serviceAnswering('im.deliveries.user_notifications')).toBe('workers');
    expect(serviceAnswering('im.broadcast.class_pushes')).toBe('broadcast');
    expect(serviceAnswering('im.signature.login')).toBe('signature');
    expect(serviceAnswering('im.nobody.home')).toBe('nobody');
  });
});
