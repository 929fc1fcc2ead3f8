import { describe, expect, it } from 'vitest';
import { PageCache } from '../src/page-cache.js';

describe('PageCache', () => {
  it('answers a page only for the same window at the same version, and not once it is too old', () => {
    let now = 1_000;
    const cache = new PageCache<number>(10, { now: () => now });
    cache.set('k', 0, 20, 7, [1, 2, 3]);
    expect(cache.get('k', 0, 20, 7)).toEqual([1, 2, 3]);
    expect(cache.get('k', 0, 20, 8)).toBeUndefined();
    cache.set('k', 0, 20, 7, [1, 2, 3]);
    expect(cache.get('k', 0, 10, 7)).toBeUndefined();
    expect(cache.get('k', 20, 20, 7)).toBeUndefined();
    expect(cache.get('other', 0, 20, 7)).toBeUndefined();
    // Keys are not confused by the separator: "1:2" at skip 0 is not "2" at skip "0:1".
    cache.set('1:2', 0, 5, 1, [9]);
    expect(cache.get('2', 0, 5, 1)).toBeUndefined();
    now += 60_001;
    expect(cache.get('k', 0, 20, 7)).toBeUndefined();
  });

  it('keeps its own copy, and hands out copies', () => {
    const cache = new PageCache<number>(10);
    const items = [1, 2];
    cache.set('k', 0, 2, 1, items);
    items.push(3);
    const got = cache.get('k', 0, 2, 1)!;
    got.push(4);
    expect(cache.get('k', 0, 2, 1)).toEqual([1, 2]);
  });

  it('drops the least recently used page when full', () => {
    const cache = new PageCache<number>(2);
    cache.set('a', 0, 1, 1, [1]);
    cache.set('b', 0, 1, 1, [2]);
    expect(cache.get('a', 0, 1, 1)).toEqual([1]); // a is now the most recently used
    cache.set('c', 0, 1, 1, [3]);
    expect(cache.get('b', 0, 1, 1)).toBeUndefined();
    expect(cache.get('a', 0, 1, 1)).toEqual([1]);
    expect(cache.get('c', 0, 1, 1)).toEqual([3]);
  });

  it('keeps the pages within a weight budget, and never one heavier than all of it', () => {
    const cache = new PageCache<string>(100, {
      budget: { max: 10, weigh: (items) => items.join('').length },
    });
    cache.set('a', 0, 1, 1, ['aaaa']);
    cache.set('b', 0, 1, 1, ['bbbb']);
    expect(cache.size).toEqual({ pages: 2, weight: 8 });
    cache.set('c', 0, 1, 1, ['cccc']); // 12 > 10: a goes
    expect(cache.get('a', 0, 1, 1)).toBeUndefined();
    expect(cache.size).toEqual({ pages: 2, weight: 8 });
    cache.set('big', 0, 1, 1, ['x'.repeat(11)]);
    expect(cache.get('big', 0, 1, 1)).toBeUndefined();
    expect(cache.get('b', 0, 1, 1)).toEqual(['bbbb']);
    // A page kept again at a new version replaces its old weight, not adds to it.
    cache.set('b', 0, 1, 2, ['bb']);
    expect(cache.size).toEqual({ pages: 2, weight: 6 });
    expect(cache.get('c', 0, 1, 1)).toEqual(['cccc']);
  });

  it('weighs a page by its JSON when the budget names no measure', () => {
    const cache = new PageCache<string>(100, { budget: { max: 15 } });
    cache.set('a', 0, 1, 1, ['abc']); // ["abc"]: 7
    expect(cache.size).toEqual({ pages: 1, weight: 7 });
    cache.set('b', 0, 1, 1, ['defg']); // ["defg"]: 8, 15 in all
    expect(cache.size).toEqual({ pages: 2, weight: 15 });
    cache.set('c', 0, 1, 1, ['h']); // ["h"]: 5, so a goes
    expect(cache.get('a', 0, 1, 1)).toBeUndefined();
    expect(cache.size).toEqual({ pages: 2, weight: 13 });
  });
});
