import { ConfigError } from '@im/config';
import { describe, expect, it } from 'vitest';
import {
  attemptsWithin,
  checkRelaySchedule,
  DEFAULT_DUPLICATE_WINDOW_MS,
  DEFAULT_RELAY_BACKOFF_MS,
  lastAttemptAgeMs,
  publishableSince,
  republishHorizonMs,
} from '../src/index.js';
import { duration } from '../src/republish-horizon.js';

/**
 * The arithmetic the relay's promise rests on (republish-horizon.ts), with every figure worked
 * by hand below, not by the code under test.
 */
const DEFAULTS = {
  minAgeMs: 2_000,
  intervalMs: 10_000,
  busyIntervalMs: 1_000,
  maxAttempts: 10,
  retryBackoffMs: DEFAULT_RELAY_BACKOFF_MS,
  publishTimeoutMs: 5_000,
};

describe('the republish horizon', () => {
  it('is the duplicate window less the publish timeout and a minute for clocks', () => {
    // 600 s - 5 s - 60 s = 535 s
    expect(DEFAULT_DUPLICATE_WINDOW_MS).toBe(600_000);
    expect(republishHorizonMs(600_000, 5_000)).toBe(535_000);
    expect(duration(535_000)).toBe('8 min 55 s');
    // 20 min - 2 s - 60 s = 1,138 s
    expect(republishHorizonMs(1_200_000, 2_000)).toBe(1_138_000);
  });

  it('holds the ten default attempts: the last starts at most 430 s after the event was written', () => {
    expect(DEFAULT_RELAY_BACKOFF_MS).toEqual([1_000, 2_000, 5_000, 15_000, 30_000, 60_000, 90_000]);
    // first attempt once 2 s old; nine more, each after the one before (5 s timeout) and its backoff:
    //   9 × 5 s = 45 s; 1 + 2 + 5 + 15 + 30 + 60 + 90 + 90 + 90 = 383 s;
    // 2 + 45 + 383 = 430 s ≤ 535 s, and 440 s after a 10 s sweep (a dead copy's event).
    expect(lastAttemptAgeMs(DEFAULTS)).toBe(430_000);
    expect(checkRelaySchedule(DEFAULTS, 600_000)).toEqual([]);
    // an eleventh at 430 + 5 + 90 = 525 s still fits, a twelfth at 620 s does not.
    expect(lastAttemptAgeMs({ ...DEFAULTS, maxAttempts: 11 })).toBe(525_000);
    expect(attemptsWithin(DEFAULTS, 535_000)).toBe(11);
    expect(checkRelaySchedule({ ...DEFAULTS, maxAttempts: 12 }, 600_000)).toEqual([
      expect.stringMatching(
        /^RELAY_MAX_ATTEMPTS, RELAY_MIN_AGE_MS: attempt 12 of an event could start 10 min 20 s after it was written, past the 8 min 55 s within which .* at most 11 attempts fit, later ones park the event$/,
      ),
    ]);
  });

  it('finds fault with the old backoff (up to 5 min): the tenth attempt would start 880 s after the write', () => {
    const old = {
      ...DEFAULTS,
      retryBackoffMs: [1_000, 2_000, 5_000, 15_000, 30_000, 60_000, 120_000, 300_000],
    };
    // 2 + 45 + (1 + 2 + 5 + 15 + 30 + 60 + 120 + 300 + 300 = 833) = 880 s
    expect(lastAttemptAgeMs(old)).toBe(880_000);
    // attempt 8 starts at 2 + 7 × 5 + (1 + 2 + 5 + 15 + 30 + 60 + 120 = 233) = 270 s, attempt 9 at
    // 270 + 5 + 300 = 575 s > 535 s: eight fit.
    expect(attemptsWithin(old, 535_000)).toBe(8);
    expect(checkRelaySchedule(old, 600_000)).toEqual([
      expect.stringMatching(
        /attempt 10 of an event could start 14 min 40 s after it was written, .* at most 8 attempts fit/,
      ),
    ]);
  });

  it('warns of a sweep too slow for a dead copy’s events, and counts a busy pace slower than the backoff', () => {
    // 430 s + a 105 s sweep = 535 s still fits; 106 s does not.
    expect(checkRelaySchedule({ ...DEFAULTS, intervalMs: 105_000 }, 600_000)).toEqual([]);
    expect(checkRelaySchedule({ ...DEFAULTS, intervalMs: 106_000 }, 600_000)).toEqual([
      expect.stringMatching(
        /^RELAY_INTERVAL_MS: after a sweep 1 min 46 s apart, attempt 10 of a dead copy's event could start 8 min 56 s after it was written, past the 8 min 55 s .* may be parked unpublished$/,
      ),
    ]);
    // busy pace 5 s: 3 attempts = 2 + 2 × 5 + max(5, 1) + max(5, 2) = 22 s
    expect(lastAttemptAgeMs({ ...DEFAULTS, busyIntervalMs: 5_000, maxAttempts: 3 })).toBe(22_000);
    // a busy pace above the sweep is the sweep (RelayPace): 2 + 2 × 5 + 10 + 10 = 32 s
    expect(lastAttemptAgeMs({ ...DEFAULTS, busyIntervalMs: 60_000, maxAttempts: 3 })).toBe(32_000);
  });

  it('refuses a window that leaves no time at all', () => {
    // 65 s - 5 s - 60 s = 0
    expect(() => checkRelaySchedule({ ...DEFAULTS, maxAttempts: 1 }, 65_000)).toThrow(ConfigError);
    expect(() => checkRelaySchedule({ ...DEFAULTS, maxAttempts: 1 }, 65_000)).toThrow(
      /leaves a relay no time/,
    );
  });
});

describe('where an event’s horizon starts', () => {
  const written = new Date('2025-03-01T08:00:00Z');
  const later = new Date('2025-03-01T09:00:00Z');
  const after = new Date('2025-03-01T09:05:00Z');

  it('at its record’s insert, also after failed attempts', () => {
    expect(publishableSince({ created_at: written })).toEqual(written);
    expect(publishableSince({ created_at: written, retry_at: written, attempts: 0 })).toEqual(written);
    expect(publishableSince({ created_at: written, retry_at: later, attempts: 3 })).toEqual(written);
  });

  it('afresh at an operator’s retry (attempts 0, due after the insert), kept by the attempts after it', () => {
    expect(publishableSince({ created_at: written, retry_at: later, attempts: 0 })).toEqual(later);
    // the first attempt after the retry recorded it; its backoff moves retry_at on
    expect(
      publishableSince({ created_at: written, retry_at: after, attempts: 1, publishable_since: later }),
    ).toEqual(later);
    // a retry of an event that had one recorded starts afresh again
    expect(
      publishableSince({ created_at: written, retry_at: after, attempts: 0, publishable_since: later }),
    ).toEqual(after);
  });
});
