import { closeBus, connectBus, type NatsConnection } from '@im/bus';
import { createLogger } from '@im/log';
import { type NatsHandle, startNats } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NoticedCache, publishNotice } from '../src/index.js';

/**
 * NoticedCache on a real NATS server: the owner of the data publishes notices on its own
 * connection, the cache listens on another, as between two services.
 */
const log = createLogger({ name: 'test', level: 'silent' });
let nats: NatsHandle;
let reader: NatsConnection;
let owner: NatsConnection;
let subjectNo = 0;

beforeAll(async () => {
  nats = await startNats();
  reader = await connectBus({ servers: nats.url, name: 'noticed-cache-reader', log });
  owner = await connectBus({ servers: nats.url, name: 'noticed-cache-owner', log });
});
afterAll(async () => {
  await closeBus(reader);
  await closeBus(owner);
  await nats?.stop();
});

/** The owner's notice has reached the reader's callback: both round trips are behind it. */
async function heard(): Promise<void> {
  await owner.flush();
  await reader.flush();
}

/** A cache on a subject of its own, and a source whose reads are counted. */
async function fixture(options: { maxAgeMs?: number; now?: () => number } = {}) {
  const subject = `test.notices.${++subjectNo}`;
  const cache = await NoticedCache.open<string>(reader, {
    subject,
    maxEntries: 100,
    maxAgeMs: options.maxAgeMs ?? 60_000,
    log,
    ...(options.now ? { now: options.now } : {}),
  });
  const source = new Map([
    ['a', 'a1'],
    ['b', 'b1'],
  ]);
  const reads: string[][] = [];
  const fetch = async (keys: string[]) => {
    reads.push(keys);
    return new Map(keys.flatMap((k) => (source.has(k) ? [[k, source.get(k) as string] as const] : [])));
  };
  return { subject, cache, source, reads, fetch };
}

describe('NoticedCache', () => {
  it('answers what it fetched again without fetching, until the owner notices a change of that key', async () => {
    const { subject, cache, source, reads, fetch } = await fixture();
    expect(await cache.getMany(['a', 'b'], fetch)).toEqual(
      new Map([
        ['a', 'a1'],
        ['b', 'b1'],
      ]),
    );
    expect(await cache.getMany(['a', 'b'], fetch)).toEqual(
      new Map([
        ['a', 'a1'],
        ['b', 'b1'],
      ]),
    );
    expect(reads).toEqual([['a', 'b']]);

    source.set('a', 'a2');
    publishNotice(owner, subject, ['a']);
    await heard();
    expect(await cache.getMany(['a', 'b'], fetch)).toEqual(
      new Map([
        ['a', 'a2'],
        ['b', 'b1'],
      ]),
    );
    expect(reads).toEqual([['a', 'b'], ['a']]);
    // A key the source does not have is never kept: asked again each time.
    expect((await cache.getMany(['none'], fetch)).size).toBe(0);
    expect((await cache.getMany(['none'], fetch)).size).toBe(0);
    expect(reads.at(-1)).toEqual(['none']);
    expect(reads).toHaveLength(4);
    cache.close();
  });

  it('does not keep a value fetched while a notice of its key came: the read may be older than the change', async () => {
    const { subject, cache, source, reads, fetch } = await fixture();
    let release = () => {};
    const slow = async (keys: string[]) => {
      const value = await fetch(keys); // read before the change
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return value;
    };
    const pending = cache.getMany(['a', 'b'], slow);
    await new Promise((resolve) => setImmediate(resolve));
    source.set('a', 'a2');
    publishNotice(owner, subject, ['a']);
    await heard();
    release();
    expect(await pending).toEqual(
      new Map([
        ['a', 'a1'],
        ['b', 'b1'],
      ]),
    );
    expect(await cache.getMany(['a', 'b'], fetch)).toEqual(
      new Map([
        ['a', 'a2'],
        ['b', 'b1'],
      ]),
    );
    expect(reads).toEqual([['a', 'b'], ['a']]); // b was kept, a read again
    cache.close();
  });

  it('fetches again past maxAgeMs, notice or not', async () => {
    let now = 1_000;
    const { cache, reads, fetch } = await fixture({ maxAgeMs: 5_000, now: () => now });
    await cache.get('a', async () => (await fetch(['a'])).get('a'));
    now += 4_000;
    expect(await cache.get('a', async () => (await fetch(['a'])).get('a'))).toBe('a1');
    expect(reads).toHaveLength(1);
    now += 1_001;
    await cache.get('a', async () => (await fetch(['a'])).get('a'));
    expect(reads).toHaveLength(2);
    cache.close();
  });

  it('clears everything on a message that is not a notice, and goes on listening', async () => {
    const { subject, cache, reads, fetch } = await fixture();
    await cache.getMany(['a', 'b'], fetch);
    for (const junk of ['not json', '{"keys":"a"}', '{"keys":[]}', '{"keys":["a"],"more":1}', '\u0000\xff']) {
      owner.publish(subject, junk);
      await heard();
      expect(cache.size).toBe(0);
      await cache.getMany(['a', 'b'], fetch);
      expect(cache.size).toBe(2);
    }
    expect(reads).toHaveLength(6);
    publishNotice(owner, subject, ['b']);
    await heard();
    expect(cache.size).toBe(1);
    cache.close();
  });

  it('splits a notice of many keys into messages a reader accepts', async () => {
    const { subject, cache } = await fixture();
    const keys = Array.from({ length: 250 }, (_, i) => `k${i}`);
    await cache.getMany(keys, async (missing) => new Map(missing.map((k) => [k, k])));
    expect(cache.size).toBe(100); // maxEntries
    publishNotice(owner, subject, keys);
    await heard();
    expect(cache.size).toBe(0);
    cache.close();
  });

  it('changed: forgets the keys in this copy at once, before any message, and tells the other copies', async () => {
    const { subject, cache, source, reads, fetch } = await fixture();
    const other = await NoticedCache.open<string>(owner, { subject, maxEntries: 100, maxAgeMs: 60_000, log });
    await cache.getMany(['a', 'b'], fetch);
    await other.getMany(['a', 'b'], fetch);
    expect(reads).toHaveLength(2);

    source.set('a', 'a2');
    other.changed(['a']);
    // No round trip yet: the copy that wrote answers its own next read fresh.
    expect(await other.get('a', async () => source.get('a'))).toBe('a2');
    await owner.flush();
    await heard();
    expect((await cache.getMany(['a', 'b'], fetch)).get('a')).toBe('a2');
    expect(reads.at(-1)).toEqual(['a']);
    other.close();
    cache.close();
  });

  it('changed: a fetch under way in this copy when it changes keeps nothing', async () => {
    const { cache } = await fixture();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = cache.get('a', async () => {
      await gate;
      return 'read before the write';
    });
    cache.changed(['a']);
    release();
    expect(await slow).toBe('read before the write');
    expect(cache.size).toBe(0);
    expect(await cache.get('a', async () => 'after')).toBe('after');
    cache.close();
  });
});
