import { CommonConfig, ConfigError, loadConfig, metricsConfig } from '@im/config';
import { databaseOf } from '@im/store';
import { Type } from '@sinclair/typebox';
import { isTimeZone } from './day.js';

/** The database this service uses when MONGO_URL names none: one per service (see docs/broadcast.md). */
export const DEFAULT_DB = 'im_broadcast';
/** Where the workers write deliveries when MONGO_URL names no database; kept in step with @im/workers. */
export const DEFAULT_DELIVERIES_DB = 'im_workers';

const Schema = Type.Object({
  ...CommonConfig,
  ...metricsConfig(9103),
  // No database in the default URL, so DEFAULT_DB applies; a URL that names one wins.
  MONGO_URL: Type.String({ default: 'mongodb://127.0.0.1:27017/', pattern: '^mongodb(\\+srv)?://' }),
  /** Database holding the workers' `deliveries` (read-only here); default: as the workers choose it. */
  DELIVERIES_DB: Type.Optional(Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_-]+$' })),
  /** The time zone whose calendar day "once a day" means. */
  PUSH_TIMEZONE: Type.String({ default: 'Asia/Shanghai', minLength: 1 }),
  JETSTREAM_REPLICAS: Type.Integer({ default: 1, minimum: 1, maximum: 5 }),
  /** How often the relay looks for push events a crash or an outage left unpublished. */
  RELAY_INTERVAL_MS: Type.Integer({ default: 1_000, minimum: 50 }),
  /** Younger pending events are left to the request that is publishing them. */
  RELAY_MIN_AGE_MS: Type.Integer({ default: 2_000, minimum: 0 }),
  /**
   * TEST ONLY: `1` makes the process SIGKILL itself after recording a push and before publishing
   * its event, so the crash tests can prove the relay finishes it. Never set it in production.
   */
  BROADCAST_FAULT_CRASH_BEFORE_PUBLISH: Type.Union([Type.Literal('0'), Type.Literal('1')], { default: '0' }),
});

export interface BroadcastConfig {
  natsUrl: string;
  logLevel: string;
  mongoUrl: string;
  /** Database name for this service's own collections. */
  dbName: string;
  deliveriesDbName: string;
  pushTimeZone: string;
  jetstreamReplicas: number;
  relayIntervalMs: number;
  relayMinAgeMs: number;
  faultCrashBeforePublish: boolean;
  metricsPort: number;
  metricsHost: string;
}

export function readConfig(env: Record<string, string | undefined> = process.env): BroadcastConfig {
  const c = loadConfig(Schema, env);
  if (!isTimeZone(c.PUSH_TIMEZONE)) {
    throw new ConfigError(`PUSH_TIMEZONE: "${c.PUSH_TIMEZONE}" is not a time zone this runtime knows`);
  }
  const named = databaseOf(c.MONGO_URL);
  return {
    natsUrl: c.NATS_URL,
    logLevel: c.LOG_LEVEL,
    mongoUrl: c.MONGO_URL,
    dbName: named ?? DEFAULT_DB,
    deliveriesDbName: c.DELIVERIES_DB ?? named ?? DEFAULT_DELIVERIES_DB,
    pushTimeZone: c.PUSH_TIMEZONE,
    jetstreamReplicas: c.JETSTREAM_REPLICAS,
    relayIntervalMs: c.RELAY_INTERVAL_MS,
    relayMinAgeMs: c.RELAY_MIN_AGE_MS,
    faultCrashBeforePublish: c.BROADCAST_FAULT_CRASH_BEFORE_PUBLISH === '1',
    metricsPort: c.METRICS_PORT,
    metricsHost: c.METRICS_HOST,
  };
}
