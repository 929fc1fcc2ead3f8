import {
  ConfigError,
  databaseOf,
  loadConfig,
  RelayConfig,
  type RelaySettings,
  readRelaySettings,
  readStoredServiceConfig,
  type StoredServiceConfig,
  storedServiceConfig,
} from '@im/config';
import { Type } from '@sinclair/typebox';
import { isTimeZone } from './day.js';

/** The database this service uses when MONGO_URL names none: one per service (see docs/broadcast.md). */
export const DEFAULT_DB = 'im_broadcast';
/** Where the workers write deliveries when MONGO_URL names no database; kept in step with @im/workers. */
export const DEFAULT_DELIVERIES_DB = 'im_workers';

const Schema = Type.Object({
  ...storedServiceConfig(9103),
  ...RelayConfig,
  /** Database holding the workers' `deliveries` (read-only here); default: as the workers choose it. */
  DELIVERIES_DB: Type.Optional(Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_-]+$' })),
  /** The time zone whose calendar day "once a day" means. */
  PUSH_TIMEZONE: Type.String({ default: 'Asia/Shanghai', minLength: 1 }),
  /**
   * TEST ONLY: `1` makes the process SIGKILL itself after recording a push and before publishing
   * its event, so the crash tests can prove the relay finishes it. Never set it in production.
   */
  BROADCAST_FAULT_CRASH_BEFORE_PUBLISH: Type.Union([Type.Literal('0'), Type.Literal('1')], { default: '0' }),
});

export interface BroadcastConfig extends StoredServiceConfig, RelaySettings {
  deliveriesDbName: string;
  pushTimeZone: string;
  faultCrashBeforePublish: boolean;
}

export function readConfig(env: Record<string, string | undefined> = process.env): BroadcastConfig {
  const c = loadConfig(Schema, env);
  if (!isTimeZone(c.PUSH_TIMEZONE)) {
    throw new ConfigError(`PUSH_TIMEZONE: "${c.PUSH_TIMEZONE}" is not a time zone this runtime knows`);
  }
  return {
    ...readStoredServiceConfig(c, DEFAULT_DB, env),
    deliveriesDbName: c.DELIVERIES_DB ?? databaseOf(c.MONGO_URL) ?? DEFAULT_DELIVERIES_DB,
    pushTimeZone: c.PUSH_TIMEZONE,
    ...readRelaySettings(c),
    faultCrashBeforePublish: c.BROADCAST_FAULT_CRASH_BEFORE_PUBLISH === '1',
  };
}
