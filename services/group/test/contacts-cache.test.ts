import { describe, expect, it } from 'vitest';
import { ContactsCache } from '../src/contacts-cache.js';

const contact = (id: number) => ({ id, avatar: '0', name: `g${id}`, type: 'group' as const });

describe('ContactsCache', () => {
  it('answers a reply only for the exact list versions it was built from', () => {
    const cache = new ContactsCache();
    cache.set(7, [3, 5], [contact(1)]);
    expect(cache.get(7, [3, 5])).toEqual([contact(1)]);
    expect(cache.get(7, [4, 5])).toBeUndefined();
    expect(cache.get(7, [3, 6])).toBeUndefined();
    // "3:5" must not be mistaken for another split of the same digits.
    expect(cache.get(7, [35])).toBeUndefined();
    expect(cache.get(8, [3, 5])).toBeUndefined();
  });

  it('rebuilds a reply older than a minute even when the versions match', () => {
    let now = 1_000;
    const cache = new ContactsCache(() => now);
    cache.set(1, [1, 1], [contact(1)]);
    now += 60_000;
    expect(cache.get(1, [1, 1])).toEqual([contact(1)]);
    now += 1;
    expect(cache.get(1, [1, 1])).toBeUndefined();
  });

  it('keeps 200 organizations, dropping the least recently used', () => {
    const cache = new ContactsCache();
    for (let org = 1; org <= 200; org++) cache.set(org, [1, 1], [contact(org)]);
    expect(cache.get(1, [1, 1])).toBeDefined(); // 1 is now the most recently used
    cache.set(201, [1, 1], [contact(201)]);
    expect(cache.get(2, [1, 1])).toBeUndefined();
    expect(cache.get(1, [1, 1])).toBeDefined();
    expect(cache.get(201, [1, 1])).toBeDefined();
  });
});

describe('ContactsCache.getOrBuild', () => {
  it('lets callers that miss at the same time share one build, then answers from the cache', async () => {
    const cache = new ContactsCache();
    let builds = 0;
    let release: (data: ReturnType<typeof contact>[]) => void = () => {};
    const build = () => {
      builds++;
      return new Promise<ReturnType<typeof contact>[]>((resolve) => {
        release = resolve;
      });
    };
    const waiting = Array.from({ length: 5 }, () => cache.getOrBuild(1, [2, 3], build));
    release([contact(9)]);
    expect(await Promise.all(waiting)).toEqual(Array.from({ length: 5 }, () => [contact(9)]));
    expect(builds).toBe(1);
    expect(await cache.getOrBuild(1, [2, 3], build)).toEqual([contact(9)]);
    expect(builds).toBe(1);
  });

  it('builds anew for other versions, and keeps nothing of a build that failed', async () => {
    const cache = new ContactsCache();
    await expect(cache.getOrBuild(1, [1, 1], () => Promise.reject(new Error('down')))).rejects.toThrow(
      'down',
    );
    expect(cache.get(1, [1, 1])).toBeUndefined();
    expect(await cache.getOrBuild(1, [1, 1], async () => [contact(1)])).toEqual([contact(1)]);
    expect(await cache.getOrBuild(1, [1, 2], async () => [contact(2)])).toEqual([contact(2)]);
  });
});
