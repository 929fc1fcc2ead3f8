import { createLogger } from '@im/log';
import { describe, expect, it } from 'vitest';
import { startPeriodic } from '../src/periodic.js';

const log = createLogger({ name: 'periodic-test', level: 'silent' });

/** A pass that records its argument and finishes when told. */
function gatedPasses() {
  const args: number[] = [];
  const gates: (() => void)[] = [];
  const pass = (arg: number) =>
    new Promise<number>((resolve) => {
      args.push(arg);
      gates.push(() => resolve(arg));
    });
  const release = async () => {
    while (gates.length === 0) await new Promise((r) => setImmediate(r));
    gates.shift()?.();
  };
  return { args, pass, release };
}

describe('startPeriodic', () => {
  it('joins a pass in progress with the same argument, and runs another after one with a different one', async () => {
    const { args, pass, release } = gatedPasses();
    const periodic = startPeriodic(pass, { intervalMs: 600_000, log, what: 'test', defaultArg: () => 2_000 });
    const first = periodic.runOnce(); // as the timer would: the default minimum age
    const joined = periodic.runOnce(2_000);
    const own = periodic.runOnce(0); // a caller who wants every record looked at
    await release();
    expect(await first).toBe(2_000);
    expect(await joined).toBe(2_000);
    await release();
    expect(await own).toBe(0);
    expect(args).toEqual([2_000, 0]);

    // The timer's call names no argument: it joins whatever runs, here a pass with none.
    const named = periodic.runOnce(0);
    const timed = periodic.runOnce();
    await release();
    expect([await named, await timed]).toEqual([0, 0]);
    expect(args).toEqual([2_000, 0, 0]);
    await periodic.stop();
  });
});
