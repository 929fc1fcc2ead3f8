import {
  loadConfig,
  RelayConfig,
  readRelaySettings,
  readStoredServiceConfig,
  storedServiceConfig,
} from '@im/config';
import { Type } from '@sinclair/typebox';

/** The database this service uses when MONGO_URL names none: each service owns its own. */
export const DEFAULT_DB = 'im_group';

/** The group service's environment: the one declaration of its settings and their defaults. */
export const GroupConfigSchema = Type.Object({
  ...storedServiceConfig(9102),
  // The relay: woken by a change this copy could not finish, else a sweep for what a dead copy left.
  ...RelayConfig,
  /** Most members one group may hold; more is a 400. */
  GROUP_MAX_MEMBERS: Type.Integer({ default: 2_000, minimum: 1, maximum: 100_000 }),
  /** How long an Idempotency-Key answers a repeat with the first 201. */
  IDEMPOTENCY_KEY_TTL_HOURS: Type.Integer({ default: 24, minimum: 1, maximum: 24 * 365 }),
  /** How long published events stay in the outbox (for inspection) before housekeeping removes them. */
  OUTBOX_RETENTION_HOURS: Type.Integer({ default: 168, minimum: 1, maximum: 24 * 365 }),
  /**
   * TEST ONLY: `1` makes the process SIGKILL itself after a group change is written and before its
   * event is published, so the crash test can prove the relay publishes it (once) after a restart.
   * Never set it in production.
   */
  GROUP_FAULT_CRASH_BEFORE_PUBLISH: Type.Union([Type.Literal('0'), Type.Literal('1')], { default: '0' }),
});

/** The environment, read against GroupConfigSchema, as code names it: the only mapper. */
export function readConfig(env: Record<string, string | undefined> = process.env) {
  const c = loadConfig(GroupConfigSchema, env);
  return {
    ...readStoredServiceConfig(c, DEFAULT_DB, env),
    maxMembers: c.GROUP_MAX_MEMBERS,
    ...readRelaySettings(c),
    faultCrashBeforePublish: c.GROUP_FAULT_CRASH_BEFORE_PUBLISH === '1',
    idempotencyKeyTtlMs: c.IDEMPOTENCY_KEY_TTL_HOURS * 3_600_000,
    outboxRetentionMs: c.OUTBOX_RETENTION_HOURS * 3_600_000,
    // Housekeeping runs hourly; the windows above are hours long, so an hour late is no matter.
    intervalMs: 3_600_000,
  };
}

/** The group service's settings: their types come from the schema through readConfig. */
export type GroupConfig = ReturnType<typeof readConfig>;
