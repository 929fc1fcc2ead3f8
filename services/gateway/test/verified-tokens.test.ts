import { describe, expect, it } from 'vitest';
import { VerifiedTokens } from '../src/auth/verified-tokens.js';

describe('VerifiedTokens', () => {
  it('answers a token until its time is up, then forgets it', () => {
    const cache = new VerifiedTokens<string>(10, 100);
    cache.set('t1', 'alice', 1_000);
    expect(cache.get('t1', 999)).toBe('alice');
    expect(cache.get('t1', 1_000)).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(cache.get('t2', 0)).toBeUndefined();
  });

  it('drops the oldest entry when full, and never keeps a token longer than allowed', () => {
    const cache = new VerifiedTokens<number>(2, 5);
    cache.set('a', 1, 10);
    cache.set('b', 2, 10);
    cache.set('c', 3, 10);
    expect([cache.get('a', 0), cache.get('b', 0), cache.get('c', 0)]).toEqual([undefined, 2, 3]);
    cache.set('toolong', 4, 10);
    expect(cache.get('toolong', 0)).toBeUndefined();
    expect(cache.size).toBe(2);
  });
});
