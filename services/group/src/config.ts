import { CommonConfig, loadConfig, metricsConfig } from '@im/config';
import { databaseOf } from '@im/store';
import { Type } from '@sinclair/typebox';

/** The database this service uses when MONGO_URL names none: each service owns its own. */
export const DEFAULT_DB = 'im_group';

const Schema = Type.Object({
  ...CommonConfig,
  ...metricsConfig(9102),
  // No database in the default URL, so DEFAULT_DB applies; a URL that names one wins.
  MONGO_URL: Type.String({ default: 'mongodb://127.0.0.1:27017/', pattern: '^mongodb(\\+srv)?://' }),
  /** Most members one group may hold; more is a 400. */
  GROUP_MAX_MEMBERS: Type.Integer({ default: 2_000, minimum: 1, maximum: 100_000 }),
  JETSTREAM_REPLICAS: Type.Integer({ default: 1, minimum: 1, maximum: 5 }),
  /** How often the relay looks for group events a crash or an outage left unpublished. */
  RELAY_INTERVAL_MS: Type.Integer({ default: 1_000, minimum: 50 }),
  /** Younger pending events are left to the request that is publishing them. */
  RELAY_MIN_AGE_MS: Type.Integer({ default: 2_000, minimum: 0 }),
  /**
   * TEST ONLY: `1` makes the process SIGKILL itself after a group change is written and before its
   * event is published, so the crash test can prove the relay publishes it (once) after a restart.
   * Never set it in production.
   */
  GROUP_FAULT_CRASH_BEFORE_PUBLISH: Type.Union([Type.Literal('0'), Type.Literal('1')], { default: '0' }),
});

export interface GroupConfig {
  natsUrl: string;
  logLevel: string;
  mongoUrl: string;
  dbName: string;
  maxMembers: number;
  jetstreamReplicas: number;
  relayIntervalMs: number;
  relayMinAgeMs: number;
  faultCrashBeforePublish: boolean;
  metricsPort: number;
  metricsHost: string;
}

export function readConfig(env: Record<string, string | undefined> = process.env): GroupConfig {
  const c = loadConfig(Schema, env);
  return {
    natsUrl: c.NATS_URL,
    logLevel: c.LOG_LEVEL,
    mongoUrl: c.MONGO_URL,
    dbName: databaseOf(c.MONGO_URL) ?? DEFAULT_DB,
    maxMembers: c.GROUP_MAX_MEMBERS,
    jetstreamReplicas: c.JETSTREAM_REPLICAS,
    relayIntervalMs: c.RELAY_INTERVAL_MS,
    relayMinAgeMs: c.RELAY_MIN_AGE_MS,
    faultCrashBeforePublish: c.GROUP_FAULT_CRASH_BEFORE_PUBLISH === '1',
    metricsPort: c.METRICS_PORT,
    metricsHost: c.METRICS_HOST,
  };
}
