import {
  ConfigError,
  loadConfig,
  RelayConfig,
  readRelaySettings,
  readStoredServiceConfig,
  storedServiceConfig,
} from '@im/config';
import { Type } from '@sinclair/typebox';
import { isTimeZone } from './day.js';

/** The database this service uses when MONGO_URL names none: one per service (see docs/broadcast.md). */
export const DEFAULT_DB = 'im_broadcast';

/** The broadcast service's environment: the one declaration of its settings and their defaults. */
export const BroadcastConfigSchema = Type.Object({
  ...storedServiceConfig(9103),
  // The relay: woken by a push whose publish failed, else a sweep for what a dead copy left.
  ...RelayConfig,
  /**
   * How long the workers may take to answer a read of their deliveries: below the gateway's
   * REQUEST_TIMEOUT_MS, so slow workers are named in the 504 rather than this service.
   */
  BROADCAST_DELIVERIES_TIMEOUT_MS: Type.Integer({
    default: 2_000,
    minimum: 100,
    maximum: 60_000,
  }),
  /** The time zone whose calendar day "once a day" means. */
  PUSH_TIMEZONE: Type.String({ default: 'Asia/Shanghai', minLength: 1 }),
  /**
   * TEST ONLY: `1` makes the process SIGKILL itself after recording a push and before publishing
   * its event, so the crash tests can prove the relay finishes it. Never set it in production.
   */
  BROADCAST_FAULT_CRASH_BEFORE_PUBLISH: Type.Union([Type.Literal('0'), Type.Literal('1')], { default: '0' }),
});

/** The environment, read against BroadcastConfigSchema, as code names it: the only mapper. */
export function readConfig(env: Record<string, string | undefined> = process.env) {
  const c = loadConfig(BroadcastConfigSchema, env);
  if (!isTimeZone(c.PUSH_TIMEZONE)) {
    throw new ConfigError(`PUSH_TIMEZONE: "${c.PUSH_TIMEZONE}" is not a time zone this runtime knows`);
  }
  return {
    ...readStoredServiceConfig(c, DEFAULT_DB, env),
    deliveriesTimeoutMs: c.BROADCAST_DELIVERIES_TIMEOUT_MS,
    pushTimeZone: c.PUSH_TIMEZONE,
    ...readRelaySettings(c),
    faultCrashBeforePublish: c.BROADCAST_FAULT_CRASH_BEFORE_PUBLISH === '1',
  };
}

/** The broadcast service's settings: their types come from the schema through readConfig. */
export type BroadcastConfig = ReturnType<typeof readConfig>;
