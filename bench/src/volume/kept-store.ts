import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dayIn, readConfig } from '@im/broadcast-service';
import type { VolumePlan } from './plan.js';
import type { SeededStore } from './seed.js';

/**
 * A volume store kept in a folder (VOLUME_STORE_DIR) instead of a temporary one, so that one
 * seeding (half an hour at full scale) serves many measured runs: of another commit, say. The
 * folder holds the servers' data (`nats/`, `ferretdb/` or `mongod/`) and `seeded.json`, written
 * once the seeding has gone through: what was seeded (the plan's counts) and how it went. A run
 * measures a kept store only when its plan seeds the same school; otherwise it stops and says so.
 *
 * Every measured run adds its writes (the groups it creates, one push per class on that day), so
 * a kept store grows a little with each; a class takes one push a day, so the push run is left
 * out on a day the store was measured already (`pushedOn`).
 */
export interface KeptStore {
  dir: string;
  /** The seeding's record, when the folder holds a seeded store. */
  seeded?: SeededStore;
  /** Days (YYYY-MM-DD, as `pushDay` counts them) a measured run pushed to the store's classes. */
  pushedOn: string[];
}

interface KeptFile {
  school: Record<string, number>;
  seeded: SeededStore;
  pushedOn: string[];
}

const FILE = 'seeded.json';

/** What fixes the seeded data: a plan that differs in any of these seeds another school. */
const schoolOf = (plan: VolumePlan): Record<string, number> => ({
  organizationId: plan.organizationId,
  users: plan.users,
  classes: plan.classes,
  days: plan.days,
  students: plan.students,
  groups: plan.groups,
  members: plan.members,
  measuredPushes: plan.measuredPushes,
  seed: plan.seed,
});

export function openKeptStore(dir: string, plan: VolumePlan): KeptStore {
  const file = join(dir, FILE);
  if (!existsSync(file)) {
    if (existsSync(join(dir, 'nats')))
      throw new Error(
        `VOLUME_STORE_DIR ${dir}: holds servers' data but no ${FILE} (a seeding that did not finish); remove the folder`,
      );
    return { dir, pushedOn: [] };
  }
  const kept = JSON.parse(readFileSync(file, 'utf8')) as KeptFile;
  const wanted = schoolOf(plan);
  const differs = Object.keys(wanted).filter((key) => kept.school[key] !== wanted[key]);
  if (differs.length > 0) {
    throw new Error(
      `VOLUME_STORE_DIR ${dir}: seeded for another plan (${differs.map((k) => `${k} ${kept.school[k]} here, ${wanted[k]} asked`).join(', ')}); use another folder`,
    );
  }
  return { dir, seeded: kept.seeded, pushedOn: kept.pushedOn };
}

export async function saveKeptStore(store: KeptStore, plan: VolumePlan): Promise<void> {
  if (!store.seeded) throw new Error('saveKeptStore: nothing seeded');
  await mkdir(store.dir, { recursive: true });
  const kept: KeptFile = { school: schoolOf(plan), seeded: store.seeded, pushedOn: store.pushedOn };
  await writeFile(join(store.dir, FILE), `${JSON.stringify(kept)}\n`);
}

/** Today as the stack's broadcast service counts days (its PUSH_TIMEZONE default, which the bench keeps). */
export const pushDay = (now = new Date()): string => dayIn(now, readConfig({}).pushTimeZone);
