/**
 * What the volume bench seeds: one school year of one large school, scaled by VOLUME_SCALE
 * (1 = 1,000,000 deliveries, 10,000 push records, 50,000 groups with 500,000 members, 200,000
 * directory users). Every count can also be set on its own (VOLUME_DELIVERIES, ...).
 *
 * Pushes are classes × school days and deliveries are students × school days, so the two totals
 * fix the school's shape: at full scale 50 classes pushed on each of 200 school days, 5,000
 * students in all (classes of 20 to 180, 100 on average). Days and classes both shrink with the
 * square root of the scale, so a small run keeps classes of the same size (0.01: 5 classes, 20
 * days, 10,000 deliveries).
 */
export interface VolumePlan {
  scale: number;
  /** Counts set on their own (`VOLUME_USERS=300`): then the store is not `scale` of the full one. */
  custom: string[];
  organizationId: number;
  /** Directory users of the organization (uids 1..users; every 20th a teacher). */
  users: number;
  /** Classes pushed to on every school day (ids 1..classes). */
  classes: number;
  /** School days of push history, the last one yesterday. */
  days: number;
  /** Students over all those classes: the deliveries of one school day. */
  students: number;
  groups: number;
  /** Member records over all groups (each group's admin is one of its members). */
  members: number;
  /**
   * Classes pushed to once each while the write routes are measured: the seeded ones first,
   * then classes without history (same size on average) up to this count.
   */
  measuredPushes: number;
  /** Seed of the generator that picks group members and request targets. */
  seed: number;
  /** Requests in flight while seeding. */
  seedConcurrency: number;
  /** Concurrent callers of the read routes and of the write routes. */
  readConnections: number;
  writeConnections: number;
  durationS: number;
  warmupS: number;
  /** How long the idle stack's CPU is measured. */
  idleS: number;
}

export const ORGANIZATION_ID = 1;
const FULL = { deliveries: 1_000_000, pushes: 10_000, groups: 50_000, members: 500_000, users: 200_000 };
const FULL_DAYS = 200;

type Env = Record<string, string | undefined>;

export function volumePlanFromEnv(env: Env = process.env): VolumePlan {
  const scale = positive(env, 'VOLUME_SCALE', 1);
  const count = (name: string, fallback: number) => Math.round(positive(env, name, fallback));
  const scaled = (name: string, full: number, min: number) =>
    count(name, Math.max(min, Math.round(full * scale)));
  const deliveries = scaled('VOLUME_DELIVERIES', FULL.deliveries, 1);
  const pushes = scaled('VOLUME_PUSHES', FULL.pushes, 1);
  const days = Math.min(pushes, count('VOLUME_DAYS', Math.max(1, Math.round(FULL_DAYS * Math.sqrt(scale)))));
  const classes = Math.max(1, Math.round(pushes / days));
  const groups = scaled('VOLUME_GROUPS', FULL.groups, 1);
  const custom = [
    'VOLUME_DELIVERIES',
    'VOLUME_PUSHES',
    'VOLUME_DAYS',
    'VOLUME_GROUPS',
    'VOLUME_MEMBERS',
    'VOLUME_USERS',
  ]
    .filter((name) => env[name] !== undefined && env[name] !== '')
    .map((name) => `${name}=${env[name]}`);
  const plan: VolumePlan = {
    scale,
    custom,
    organizationId: ORGANIZATION_ID,
    users: scaled('VOLUME_USERS', FULL.users, 1),
    classes,
    days,
    students: Math.max(classes, Math.round(deliveries / days)),
    groups,
    members: Math.max(2 * groups, scaled('VOLUME_MEMBERS', FULL.members, 1)),
    measuredPushes: count('VOLUME_MEASURED_PUSHES', 200),
    seed: count('VOLUME_SEED', 1),
    seedConcurrency: count('VOLUME_SEED_CONCURRENCY', 8),
    readConnections: count('BENCH_CONNECTIONS', 50),
    writeConnections: count('VOLUME_WRITE_CONNECTIONS', 10),
    durationS: positive(env, 'BENCH_DURATION_S', 10),
    warmupS: positive(env, 'BENCH_WARMUP_S', 2),
    idleS: positive(env, 'VOLUME_IDLE_S', 30),
  };
  if (plan.members / plan.groups > 2_000 / 1.8) {
    throw new Error('VOLUME_MEMBERS / VOLUME_GROUPS: groups would exceed 2,000 members (GROUP_MAX_MEMBERS)');
  }
  if (plan.users < 2) throw new Error('VOLUME_USERS: a group needs two users at least');
  return plan;
}

/**
 * The empty store the same routes are measured on first: the same classes (so the measured
 * pushes fan out to the same rosters), no push history, and just what the routes need to answer
 * 200: 100 directory users and 10 groups of 10.
 */
export function emptyPlan(plan: VolumePlan): VolumePlan {
  const users = Math.min(plan.users, 100);
  return { ...plan, days: 0, users, groups: 10, members: 10 * Math.min(users, 10) };
}

export const deliveriesOf = (plan: VolumePlan): number => plan.students * plan.days;
export const pushesOf = (plan: VolumePlan): number => plan.classes * plan.days;

function positive(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name}: expected a positive number, got "${raw}"`);
  return value;
}
