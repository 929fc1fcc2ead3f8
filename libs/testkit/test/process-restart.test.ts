import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type ChildHandle,
  describeRestart,
  RestartBackoff,
  type RestartEvent,
  restartPolicy,
  sleep,
  startProcess,
} from '../src/index.js';

const READY = `console.log(JSON.stringify({ level: 30, msg: 'ready' }));`;
const STAY = 'setInterval(() => {}, 60_000);';
/** Fast enough for a test, and still a doubling that can be seen. */
const POLICY = { initialDelayMs: 50, maxDelayMs: 150, stableAfterMs: 400 };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (let step = cleanups.pop(); step; step = cleanups.pop()) await step();
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A script that appends a line to `runs` each time it starts, then runs `behaviour(run)`: the
 * number of the run (from 1) decides whether this one becomes ready or fails before.
 */
async function supervised(
  behaviour: string,
  events: RestartEvent[],
): Promise<{ child: ChildHandle; runs: () => Promise<number> }> {
  const dir = await mkdtemp(join(tmpdir(), 'testkit-restart-'));
  const runsFile = join(dir, 'runs');
  const script = `
    const fs = require('node:fs');
    fs.appendFileSync(${JSON.stringify(runsFile)}, 'run\\n');
    const run = fs.readFileSync(${JSON.stringify(runsFile)}, 'utf8').trim().split('\\n').length;
    ${behaviour}`;
  const child = await startProcess({
    name: 'phoenix',
    command: process.execPath,
    args: ['-e', script],
    restart: POLICY,
    onRestart: (event) => events.push(event),
  });
  cleanups.push(async () => {
    await child.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const runs = async () => (await readFile(runsFile, 'utf8')).trim().split('\n').length;
  return { child, runs };
}

describe('restart policy', () => {
  it('doubles the wait for each restart in a row, caps it, and starts over once a process stayed up', () => {
    const backoff = new RestartBackoff(restartPolicy({ initialDelayMs: 500, maxDelayMs: 30_000 })!);
    const waits = Array.from({ length: 8 }, () => backoff.next(1_000).delayMs);
    expect(waits).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(backoff.next(60_000)).toEqual({ delayMs: 500, attempt: 1 });
    expect(restartPolicy(false)).toBeUndefined();
    expect(restartPolicy(true)).toEqual({ initialDelayMs: 500, maxDelayMs: 30_000, stableAfterMs: 60_000 });
  });

  it('is announced in words a person reads at a glance', () => {
    const scheduled: RestartEvent = {
      kind: 'scheduled',
      summary: 'signature exited (signal SIGKILL)',
      delayMs: 1_000,
      attempt: 3,
    };
    expect(describeRestart(scheduled, 'signature')).toBe(
      'signature exited (signal SIGKILL); restarting in 1 s (restart 3)',
    );
    expect(describeRestart({ ...scheduled, delayMs: 500 }, 'signature')).toContain('restarting in 0.5 s');
    expect(describeRestart({ kind: 'restarted', pid: 42, attempt: 3 }, 'signature')).toBe(
      'signature is running again (pid 42, restart 3)',
    );
  });
});

describe('startProcess with restarts', () => {
  it('starts a process that died on its own again, with a new pid, and says so', async () => {
    const events: RestartEvent[] = [];
    const { child, runs } = await supervised(`${READY} ${STAY}`, events);
    const first = child.pid;
    process.kill(first, 'SIGKILL');
    await vi.waitFor(() => expect(events.map((e) => e.kind)).toEqual(['scheduled', 'restarted']));
    expect(events[0]).toEqual({
      kind: 'scheduled',
      summary: 'phoenix exited (signal SIGKILL)',
      delayMs: 50,
      attempt: 1,
    });
    expect(events[1]).toEqual({ kind: 'restarted', pid: child.pid, attempt: 1 });
    expect(child.pid).not.toBe(first);
    expect(alive(child.pid)).toBe(true);
    expect(await runs()).toBe(2);
  });

  it('waits longer after each failed restart, and starts over after the process stayed up', async () => {
    const events: RestartEvent[] = [];
    // Runs 2 and 3 fail before they are ready (bad configuration, say); run 4 comes up again.
    const { child, runs } = await supervised(
      `if (run === 2 || run === 3) { console.error('config: broken'); process.exit(1); } ${READY} ${STAY}`,
      events,
    );
    process.kill(child.pid, 'SIGKILL');
    await vi.waitFor(() => expect(events.at(-1)?.kind).toBe('restarted'), { timeout: 5_000 });
    expect(events).toEqual([
      { kind: 'scheduled', summary: 'phoenix exited (signal SIGKILL)', delayMs: 50, attempt: 1 },
      { kind: 'scheduled', summary: 'phoenix exited (code 1) before it was ready', delayMs: 100, attempt: 2 },
      { kind: 'scheduled', summary: 'phoenix exited (code 1) before it was ready', delayMs: 150, attempt: 3 },
      { kind: 'restarted', pid: child.pid, attempt: 3 },
    ]);
    expect(await runs()).toBe(4);

    await sleep(POLICY.stableAfterMs + 50);
    events.length = 0;
    process.kill(child.pid, 'SIGTERM');
    await vi.waitFor(() => expect(events.at(-1)?.kind).toBe('restarted'));
    expect(events[0]).toMatchObject({ summary: 'phoenix exited (signal SIGTERM)', delayMs: 50, attempt: 1 });
  });

  it('restarts nothing once stop() was called, even with a restart already scheduled', async () => {
    const events: RestartEvent[] = [];
    const { child, runs } = await supervised(`${READY} ${STAY}`, events);
    process.kill(child.pid, 'SIGKILL');
    await vi.waitFor(() => expect(events).toHaveLength(1));
    await child.stop();
    await sleep(POLICY.initialDelayMs * 3);
    expect(events.map((e) => e.kind)).toEqual(['scheduled']);
    expect(await runs()).toBe(1);
    expect(alive(child.pid)).toBe(false);
  });

  it('stop() during a restart ends the new process and schedules no other', async () => {
    const events: RestartEvent[] = [];
    // Run 2 takes its time to become ready: stop() arrives while it is starting.
    const { child, runs } = await supervised(
      `if (run === 2) setTimeout(() => { ${READY} }, 2000); else { ${READY} } ${STAY}`,
      events,
    );
    process.kill(child.pid, 'SIGKILL');
    await vi.waitFor(async () => expect(await runs()).toBe(2));
    const starting = child.pid;
    await child.stop();
    await sleep(300);
    expect(alive(starting)).toBe(false);
    expect(events.map((e) => e.kind)).toEqual(['scheduled']);
    expect(await runs()).toBe(2);
  });

  it('without a policy, a process that died stays dead', async () => {
    const child = await startProcess({
      name: 'mortal',
      command: process.execPath,
      args: ['-e', `${READY} ${STAY}`],
    });
    cleanups.push(() => child.stop());
    const pid = child.pid;
    process.kill(pid, 'SIGKILL');
    await sleep(POLICY.maxDelayMs * 3);
    expect(child.pid).toBe(pid);
    expect(alive(pid)).toBe(false);
  });
});
