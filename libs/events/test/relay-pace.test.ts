import { describe, expect, it } from 'vitest';
import { RelayPace } from '../src/relay-pace.js';

/** When the relay looks next, from what its passes saw: pure, so every moment is given. */
const SETTINGS = { sweepMs: 10_000, busyMs: 1_000, minAgeMs: 2_000 };
const nothing = { published: 0, found: 0, paused: false };

describe('the relay pace', () => {
  it('sweeps rarely while nothing is known to be pending, even through an outage', () => {
    const pace = new RelayPace(SETTINGS);
    expect(pace.next(nothing, 0)).toBe(10_000);
    expect(pace.next({ ...nothing, paused: true }, 10_000)).toBe(10_000);
    expect(pace.next(undefined, 20_000)).toBe(10_000);
  });

  it('takes a woken event once it is old enough, looks once more, then sweeps again', () => {
    const pace = new RelayPace(SETTINGS);
    expect(pace.woken(0)).toBe(2_000);
    // The pass at 2 s found it already finished elsewhere: one more look, in case it was not yet due.
    expect(pace.next(nothing, 2_000)).toBe(1_000);
    expect(pace.next(nothing, 3_000)).toBe(10_000);
  });

  it('keeps looking often while passes find work, or while an outage holds up known work', () => {
    const pace = new RelayPace(SETTINGS);
    pace.woken(0);
    for (let now = 2_000; now < 60_000; now += 1_000) {
      expect(pace.next({ ...nothing, paused: true }, now)).toBe(1_000);
    }
    expect(pace.next(undefined, 61_000)).toBe(1_000);
    expect(pace.next({ published: 1, found: 1, paused: false }, 62_000)).toBe(1_000);
    expect(pace.next(nothing, 63_000)).toBe(10_000);
    // A sweep that finds a dead copy's events drains them at the busy pace.
    expect(pace.next({ published: 100, found: 100, paused: false }, 73_000)).toBe(1_000);
  });

  it('comes back when a failed event is due again, never sooner than the busy pace', () => {
    const pace = new RelayPace(SETTINGS);
    expect(pace.next({ ...nothing, found: 1, retryAt: 5_000 }, 0)).toBe(1_000);
    expect(pace.next({ ...nothing, retryAt: 5_000 }, 1_000)).toBe(4_000);
    expect(pace.next({ ...nothing, retryAt: 1_000_000 }, 5_000)).toBe(10_000);
    expect(pace.next({ ...nothing, retryAt: 0 }, 20_000)).toBe(1_000);
  });

  it('is never slower when busy than its sweep', () => {
    const pace = new RelayPace({ sweepMs: 250, busyMs: 1_000, minAgeMs: 500 });
    expect(pace.woken(0)).toBe(500);
    expect(pace.next({ ...nothing, paused: true }, 500)).toBe(250);
    expect(pace.next(nothing, 2_000)).toBe(250);
  });
});
