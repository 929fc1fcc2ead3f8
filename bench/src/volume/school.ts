import type { VolumePlan } from './plan.js';

/**
 * The school a plan describes, generated the same way on every run with the same seed: who the
 * users are, each class's roster, each group's members. Client ids are the directory uids as
 * strings, so a group member, a class's student and a contact are one person.
 */
export interface ClassRoster {
  classId: number;
  studentUids: string[];
  /** Pushed to on every school day of the seeded history (false: only in the write measurement). */
  seeded: boolean;
}

export interface GroupSpec {
  name: string;
  /** The admin first; every member a directory user. */
  memberUids: string[];
}

export const userRole = (uid: number): 'teacher' | 'student' => (uid % 20 === 0 ? 'teacher' : 'student');

/**
 * The seeded classes (ids 1..classes, students 1..students in consecutive runs, sizes spread from a
 * fifth to 1.8 times the mean), then classes without history up to `measuredPushes`, of the mean
 * size, whose students come after those.
 */
export function classRosters(plan: VolumePlan): ClassRoster[] {
  const rosters: ClassRoster[] = [];
  let next = 1;
  const take = (count: number) => Array.from({ length: count }, () => String(next++));
  for (const [i, size] of spread(plan.students, plan.classes, 1).entries()) {
    rosters.push({ classId: i + 1, studentUids: take(size), seeded: true });
  }
  const mean = Math.max(1, Math.round(plan.students / plan.classes));
  for (let classId = plan.classes + 1; classId <= plan.measuredPushes; classId++) {
    rosters.push({ classId, studentUids: take(mean), seeded: false });
  }
  return rosters;
}

/** Group i (from 0) of the plan; members drawn from all users, sizes spread around the mean. */
export class Groups {
  readonly #sizes: number[];
  readonly #users: number;
  readonly #seed: number;

  constructor(plan: VolumePlan) {
    this.#sizes = spread(plan.members, plan.groups, 2).map((size) => Math.min(size, plan.users));
    this.#users = plan.users;
    this.#seed = plan.seed;
  }

  get count(): number {
    return this.#sizes.length;
  }

  get members(): number {
    return this.#sizes.reduce((sum, size) => sum + size, 0);
  }

  spec(i: number): GroupSpec {
    const random = randomGenerator(this.#seed * 1_000_003 + i);
    const uids = new Set<number>();
    while (uids.size < this.#sizes[i]!) uids.add(1 + Math.floor(random() * this.#users));
    return { name: `Group ${i + 1}`, memberUids: [...uids].map(String) };
  }
}

/**
 * `count` sizes of at least `min` adding up to `total` (or to count × min when total is less),
 * spread evenly from 0.2 to 1.8 times their mean in a scrambled order (golden-ratio steps).
 */
export function spread(total: number, count: number, min: number): number[] {
  const weights = Array.from({ length: count }, (_, i) => 0.2 + 1.6 * ((i * 0.618_033_988_75) % 1));
  const weightSum = weights.reduce((sum, w) => sum + w, 0);
  const free = Math.max(0, total - count * min);
  const sizes = weights.map((w) => min + Math.floor((free * w) / weightSum));
  let left = Math.max(count * min, total) - sizes.reduce((sum, s) => sum + s, 0);
  for (let i = 0; left > 0; i = (i + 1) % count, left--) sizes[i]! += 1;
  return sizes;
}

/** mulberry32: a small, fast generator with a seed; the same seed gives the same school. */
export function randomGenerator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
