import { describe, expect, it } from 'vitest';
import { requestHash } from '../src/changes/idempotent-create.js';
import { initialMembers, parseMemberIds } from '../src/lists.js';

describe('member lists', () => {
  it('splits on ":" and keeps each id once, in the order first given', () => {
    expect(parseMemberIds('o12:u232:p23')).toEqual(['o12', 'u232', 'p23']);
    expect(parseMemberIds('b:a:b:c:a')).toEqual(['b', 'a', 'c']);
    expect(parseMemberIds('solo')).toEqual(['solo']);
  });

  it('adds the admin to the initial members once, after the listed ones', () => {
    expect(initialMembers('a:b', 'adm')).toEqual(['a', 'b', 'adm']);
    expect(initialMembers('a:adm:b', 'adm')).toEqual(['a', 'adm', 'b']);
    expect(initialMembers('a:a', '')).toEqual(['a']);
  });
});

describe('idempotency request hash', () => {
  const draft = {
    organization_id: 1,
    group_name: 'g',
    members: ['a', 'b'],
    conversion_id: '',
    group_avatar: '',
    admin_uid: '',
    description: '',
  };

  it('is the same for the same request and differs when any field differs', () => {
    expect(requestHash(draft)).toBe(requestHash({ ...draft, members: ['a', 'b'] }));
    const variants = [
      { organization_id: 2 },
      { group_name: 'h' },
      { members: ['b', 'a'] },
      { conversion_id: 'c' },
      { group_avatar: 'http://x/y.png' },
      { admin_uid: 'a' },
      { description: 'd' },
    ];
    const hashes = new Set([requestHash(draft), ...variants.map((v) => requestHash({ ...draft, ...v }))]);
    expect(hashes.size).toBe(variants.length + 1);
  });
});
