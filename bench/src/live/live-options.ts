import type { StreamAuth } from './student-streams.js';

/** What `npm run bench -- live` does, from the environment (defaults: the scenario). */
export interface LiveOptions {
  /** Students of the class, one stream each (LIVE_STUDENTS). */
  students: number;
  /** The idle window, s (LIVE_IDLE_S): the gateway's CPU with no stream, then with every stream open. */
  idleS: number;
  /** LIVE_AUTH: `token` (Authorization header) or `ticket` (POST …/tickets, then `?ticket=`). */
  auth: StreamAuth;
  /** Streams being opened at once (LIVE_OPEN_CONCURRENCY). */
  openConcurrency: number;
}

export interface BurstOptions {
  /** Classes pushed at the same moment (BURST_CLASSES). */
  classes: number;
  /** Students per class (BURST_STUDENTS). */
  students: number;
  /** Streams open per class during the burst (BURST_STREAMS_PER_CLASS; 0: none). */
  streamsPerClass: number;
  auth: StreamAuth;
  openConcurrency: number;
}

export function liveOptionsFromEnv(env: Record<string, string | undefined> = process.env): LiveOptions {
  return {
    students: integer(env, 'LIVE_STUDENTS', 2_000, 1),
    idleS: integer(env, 'LIVE_IDLE_S', 20, 1),
    auth: streamAuth(env),
    openConcurrency: integer(env, 'LIVE_OPEN_CONCURRENCY', 50, 1),
  };
}

export function burstOptionsFromEnv(env: Record<string, string | undefined> = process.env): BurstOptions {
  const students = integer(env, 'BURST_STUDENTS', 2_000, 1);
  return {
    classes: integer(env, 'BURST_CLASSES', 20, 1),
    students,
    streamsPerClass: Math.min(students, integer(env, 'BURST_STREAMS_PER_CLASS', 100, 0)),
    auth: streamAuth(env),
    openConcurrency: integer(env, 'LIVE_OPEN_CONCURRENCY', 50, 1),
  };
}

function streamAuth(env: Record<string, string | undefined>): StreamAuth {
  const value = env.LIVE_AUTH ?? 'token';
  if (value !== 'token' && value !== 'ticket')
    throw new Error(`LIVE_AUTH: "${value}" is not token or ticket`);
  return value;
}

function integer(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  min: number,
): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name}: "${text}" is not an integer ≥ ${min}`);
  return value;
}
