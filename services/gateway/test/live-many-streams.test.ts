import { pollUntil } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { user } from './helpers.js';
import { type LiveHarness, startLiveHarness } from './live/live-harness.js';
import { pairs } from './live/live-model.js';
import type { SseStream } from './live/sse-client.js';

/**
 * One gateway holding a stream for every student of a 2,000-student class (one token each, one
 * connection each), and one push to the class reaching all of them, exactly once. Streams open
 * a batch at a time: each asks the broadcast service once, whose in-flight bound is 512.
 */
const CLASS_SIZE = 2_000;
const OPENING_AT_ONCE = 50;
let live: LiveHarness;

beforeAll(async () => {
  // Every student opens one stream as itself, and the directory pushes: far from any limit, but
  // the whole class comes from one address.
  live = await startLiveHarness({ rateLimit: { max: 1_000_000, windowMs: 60_000, signatureMax: 300 } });
});
afterAll(async () => live?.close());

describe('2,000 streams on one gateway', () => {
  it('delivers one push to every open stream of the class', { timeout: 300_000 }, async () => {
    const students = Array.from({ length: CLASS_SIZE }, (_, i) => `many-${i}`);
    await live.createClass(301, students);
    const streams: SseStream[] = [];
    for (let i = 0; i < students.length; i += OPENING_AT_ONCE) {
      const batch = students.slice(i, i + OPENING_AT_ONCE);
      streams.push(...(await Promise.all(batch.map((s) => live.stream(s, user(s))))));
    }
    expect(streams.filter((s) => s.status !== 200).map((s) => s.body)).toEqual([]);
    expect(live.h.gateway.openStreams.size).toBe(CLASS_SIZE);

    const pushId = await live.push(301, 'to the whole class');
    const everyone = await pollUntil(
      async () => streams.every((s) => s.notifications().length >= 1),
      Date.now() + 180_000,
      undefined,
      250,
    );
    const without = streams.filter((s) => s.notifications().length === 0).length;
    expect({ everyone, without }).toEqual({ everyone: true, without: 0 });
    // Each student's first notification: seq 1, that push, once.
    expect(streams.filter((s) => JSON.stringify(pairs(s)) !== JSON.stringify([[1, pushId]])).length).toBe(0);

    for (const stream of streams) stream.close();
    expect(await pollUntil(async () => live.h.gateway.openStreams.size === 0, Date.now() + 30_000)).toBe(
      true,
    );
  });
});
