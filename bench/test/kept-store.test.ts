import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openKeptStore, pushDay, saveKeptStore } from '../src/volume/kept-store.js';
import { volumePlanFromEnv } from '../src/volume/plan.js';
import type { SeededStore } from '../src/volume/seed.js';

/** A volume store kept in a folder: seeded once, measured again only for the same school. */
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kept-store-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const plan = volumePlanFromEnv({ VOLUME_SCALE: '0.01' });
const seeded: SeededStore = {
  phases: [{ name: 'classes', count: 5, ms: 12.5 }],
  totalMs: 40,
  groupIds: [3, 1, 2],
  retried: { '503': 1 },
};

describe('kept volume store', () => {
  it('is empty in a new folder, and reads back what was saved for the same plan', async () => {
    expect(openKeptStore(dir, plan)).toEqual({ dir, pushedOn: [] });
    await saveKeptStore({ dir, seeded, pushedOn: ['2026-12-01'] }, plan);
    expect(openKeptStore(dir, plan)).toEqual({ dir, seeded, pushedOn: ['2026-12-01'] });
    // What the other settings of a run change (callers, durations) is not the school.
    expect(openKeptStore(dir, { ...plan, readConnections: 10, durationS: 3 }).seeded).toEqual(seeded);
  });

  it('refuses a plan that seeds another school, naming what differs', async () => {
    await saveKeptStore({ dir, seeded, pushedOn: [] }, plan);
    const other = volumePlanFromEnv({ VOLUME_SCALE: '0.01', VOLUME_USERS: '77' });
    expect(() => openKeptStore(dir, other)).toThrow(/seeded for another plan \(users \d+ here, 77 asked\)/);
  });

  it('refuses servers’ data without a record of a finished seeding', async () => {
    await mkdir(join(dir, 'nats'));
    expect(() => openKeptStore(dir, plan)).toThrow(/no seeded\.json \(a seeding that did not finish\)/);
  });

  it('writes the record as JSON a person can read', async () => {
    await saveKeptStore({ dir, seeded, pushedOn: [] }, plan);
    const file = JSON.parse(await readFile(join(dir, 'seeded.json'), 'utf8'));
    expect(file.school.users).toBe(plan.users);
    expect(file.seeded.groupIds).toEqual([3, 1, 2]);
  });

  it('counts days as the broadcast service does by default (Asia/Shanghai, UTC+8)', () => {
    expect(pushDay(new Date('2026-12-01T15:59:59Z'))).toBe('2026-12-01');
    expect(pushDay(new Date('2026-12-01T16:00:00Z'))).toBe('2026-12-02');
  });
});
