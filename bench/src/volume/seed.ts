import type { JetStreamHandles } from '@im/events';
import { Api } from './api.js';
import { pushesOf, type VolumePlan } from './plan.js';
import type { ClassRoster } from './school.js';
import { seedClasses, seedUsers } from './seed-directory.js';
import { seedGroups } from './seed-groups.js';
import { seedPushes } from './seed-pushes.js';
import type { SeedingBroadcast } from './seeding-broadcast.js';
import { verifySeed } from './verify-seed.js';

/** One seeding step and how long it took. */
export interface SeedPhase {
  name: string;
  count: number;
  ms: number;
}

export interface SeededStore {
  phases: SeedPhase[];
  /** Wall time of the whole seeding. */
  totalMs: number;
  groupIds: number[];
  /** Answers the seeding retried (5xx), by status. */
  retried: Record<string, number>;
}

export interface SeedContext {
  gatewayUrl: string;
  serviceToken: string;
  mongoUrl: string;
  jsm: JetStreamHandles['jsm'];
  tell(message: string): void;
}

/**
 * Seeds a store through the services, one phase after another: classes, the school year's pushes
 * (broadcast and workers), directory users, groups (the group service). Each phase runs its
 * requests concurrently; the phases do not overlap, because every database is served by the one
 * MongoDB-wire server, which two heavy phases at once overload on FerretDB (fan-outs then time out
 * and are retried until they are dead letters). Without `broadcast` (the empty store) there are
 * no pushes and the stack's own broadcast service takes the classes.
 */
export async function seedStore(
  context: SeedContext,
  plan: VolumePlan,
  rosters: readonly ClassRoster[],
  broadcast?: SeedingBroadcast,
): Promise<SeededStore> {
  const { jsm, tell } = context;
  const api = new Api(context.gatewayUrl, context.serviceToken);
  const phases: SeedPhase[] = [];
  const timed = async <T>(name: string, count: number, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await work();
    const ms = performance.now() - started;
    phases.push({ name, count, ms });
    tell(`${name}: ${count.toLocaleString('en-US')} in ${(ms / 1_000).toFixed(1)} s`);
    return result;
  };
  const started = performance.now();
  await timed('classes', rosters.length, () => seedClasses(api, plan, rosters, jsm, tell));
  if (broadcast && plan.days > 0) {
    await timed('pushes (fanned out)', pushesOf(plan), () =>
      seedPushes(api, plan, rosters, broadcast, jsm, tell),
    );
  }
  await timed('directory users', plan.users, () => seedUsers(api, plan, jsm, tell));
  const groupIds = await timed('groups (with their members)', plan.groups, () => seedGroups(api, plan, tell));
  const totalMs = performance.now() - started;
  const problems = await verifySeed(api, plan, rosters, jsm);
  if (problems.length > 0) throw new Error(`seeding did not go through: ${problems.join('; ')}`);
  return { phases, totalMs, groupIds, retried: api.retried };
}
