import { type Static, Type } from '@sinclair/typebox';
import { databaseOf } from './database-of.js';
import { readNatsAuth } from './nats-auth.js';

/** Variables every process reads. Services spread these into their own schema. */
export const CommonConfig = {
  NATS_URL: Type.String({ default: 'nats://127.0.0.1:4222', minLength: 1 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' },
  ),
};

/** Replicas of the streams a process creates: 1 on one server, 3 on a cluster. */
export const JetStreamConfig = {
  JETSTREAM_REPLICAS: Type.Integer({ default: 1, minimum: 1, maximum: 5 }),
};

/** Where a process without an HTTP server of its own serves `GET /metrics`; `0` picks a free port. */
export const metricsConfig = (defaultPort: number) => ({
  METRICS_PORT: Type.Integer({ default: defaultPort, minimum: 0, maximum: 65_535 }),
  METRICS_HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
});

/**
 * What every process that answers requests reads (startService's `maxInFlight`): past this many
 * handlers in flight a request is answered 503 at once, so a slow dependency and client retries
 * cannot grow memory without bound.
 */
export const InFlightConfig = {
  MAX_IN_FLIGHT: Type.Integer({ default: 512, minimum: 1, maximum: 100_000 }),
};

/**
 * The MongoDB client's time limits (connectMongo's `timeoutMs`): the longest a request waits for a
 * pooled connection, for a server, and for one operation's answer. A slow store then fails
 * requests (503) instead of piling them up.
 */
export const MongoTimeoutConfig = {
  MONGO_TIMEOUT_MS: Type.Integer({ default: 5_000, minimum: 100, maximum: 600_000 }),
};

/**
 * What every MongoDB-backed service reads. The default URL names no database, so each service
 * falls back to its own (`im_group`, …); a URL that names one wins.
 */
export const storedServiceConfig = (defaultMetricsPort: number) => ({
  ...CommonConfig,
  ...JetStreamConfig,
  ...metricsConfig(defaultMetricsPort),
  ...InFlightConfig,
  ...MongoTimeoutConfig,
  MONGO_URL: Type.String({ default: 'mongodb://127.0.0.1:27017/', pattern: '^mongodb(\\+srv)?://' }),
});

/**
 * The outbox relay's pace. A relay is woken by its own process when a publish fails there, so at
 * rest it only sweeps for what a crashed or stopped copy left: every 10 s, not every second
 * (idle cost, README "Performance"); while it knows of work it looks every second.
 */
export const RELAY_PACE_DEFAULTS = { intervalMs: 10_000, busyIntervalMs: 1_000 } as const;

/** The outbox relay of a service that publishes events. */
export const RelayConfig = {
  /** How often the relay sweeps for events it was not told about: those a crashed or stopped copy left. */
  RELAY_INTERVAL_MS: Type.Integer({ default: RELAY_PACE_DEFAULTS.intervalMs, minimum: 50 }),
  /** How often it looks while it knows of pending work: after a failed publish here, in an outage. */
  RELAY_BUSY_INTERVAL_MS: Type.Integer({ default: RELAY_PACE_DEFAULTS.busyIntervalMs, minimum: 50 }),
  /** Younger pending events are left to the request that is publishing them. */
  RELAY_MIN_AGE_MS: Type.Integer({ default: 2_000, minimum: 0 }),
  /** Failed attempts after which the relay parks an event, so it never blocks the ones behind it. */
  RELAY_MAX_ATTEMPTS: Type.Integer({ default: 10, minimum: 1, maximum: 1_000 }),
};

const StoredService = Type.Object(storedServiceConfig(0));
const Relay = Type.Object(RelayConfig);

/** The relay's part of a service's configuration, from its loaded variables. */
export function readRelaySettings(c: Static<typeof Relay>) {
  return {
    relayIntervalMs: c.RELAY_INTERVAL_MS,
    relayBusyIntervalMs: c.RELAY_BUSY_INTERVAL_MS,
    relayMinAgeMs: c.RELAY_MIN_AGE_MS,
    relayMaxAttempts: c.RELAY_MAX_ATTEMPTS,
  };
}

/** The relay settings: RelayConfig's variables, named as code uses them (types from the schema). */
export type RelaySettings = ReturnType<typeof readRelaySettings>;

/** The common part of a stored service's configuration, from its loaded variables. */
export function readStoredServiceConfig(
  c: Static<typeof StoredService>,
  defaultDb: string,
  env: Record<string, string | undefined> = process.env,
) {
  return {
    natsUrl: c.NATS_URL,
    natsAuth: readNatsAuth(env),
    logLevel: c.LOG_LEVEL,
    mongoUrl: c.MONGO_URL,
    /** The database for this service's own collections. */
    dbName: databaseOf(c.MONGO_URL) ?? defaultDb,
    jetstreamReplicas: c.JETSTREAM_REPLICAS,
    metricsPort: c.METRICS_PORT,
    metricsHost: c.METRICS_HOST,
    /** startService's `maxInFlight`. */
    maxInFlight: c.MAX_IN_FLIGHT,
    /** connectMongo's `timeoutMs`. */
    mongoTimeoutMs: c.MONGO_TIMEOUT_MS,
  };
}

/** The common part of a stored service's settings (types from the schema, through the mapper above). */
export type StoredServiceConfig = ReturnType<typeof readStoredServiceConfig>;
