import {
  CommonConfig,
  ConfigError,
  JetStreamConfig,
  loadConfig,
  type NatsAuth,
  readNatsAuth,
} from '@im/config';
import { type Static, Type } from '@sinclair/typebox';
import { type AuthSettings, readAuthKeys } from './auth/keys.js';

/**
 * Requests per caller (or per address, without a token) per window; signatures have their own,
 * tighter. Counted across the gateway copies (rate-limit/shared-counts.ts): each copy writes its
 * counts to JetStream KV every RATE_LIMIT_FLUSH_MS, which bounds how far copies can overshoot.
 */
const RateLimitConfig = {
  RATE_LIMIT_MAX: Type.Integer({ default: 1_200, minimum: 1 }),
  RATE_LIMIT_WINDOW_MS: Type.Integer({ default: 60_000, minimum: 1_000 }),
  SIGNATURE_RATE_LIMIT_MAX: Type.Integer({ default: 300, minimum: 1 }),
  RATE_LIMIT_FLUSH_MS: Type.Integer({ default: 250, minimum: 50, maximum: 10_000 }),
};
const RateLimitSchema = Type.Object(RateLimitConfig);

/** Live notification streams (docs/live.md): keep-alive pings, the bound on open streams, tickets. */
const StreamConfig = {
  /** A comment line this often on every open stream, so that proxies do not close an idle one. */
  STREAM_PING_MS: Type.Integer({ default: 15_000, minimum: 100, maximum: 300_000 }),
  /** Streams one gateway copy holds open at once; past it a 503 naming this setting. */
  STREAM_MAX_OPEN: Type.Integer({ default: 10_000, minimum: 1, maximum: 1_000_000 }),
  /** How long a stream ticket stays valid, in seconds: at most a minute, it travels in a URL. */
  STREAM_TICKET_TTL_S: Type.Integer({ default: 60, minimum: 1, maximum: 60 }),
};
const StreamSchema = Type.Object(StreamConfig);

export const Schema = Type.Object({
  ...CommonConfig,
  /** Replicas of the gateway's KV buckets: stream tickets, rate-limit counts. */
  ...JetStreamConfig,
  HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  PORT: Type.Integer({ default: 3000, minimum: 0, maximum: 65_535 }),
  /** How long the gateway waits for a service before answering 504. */
  REQUEST_TIMEOUT_MS: Type.Integer({ default: 5_000, minimum: 100, maximum: 120_000 }),
  /**
   * Largest request body accepted; larger is a 413. The default equals NATS's default
   * max_payload: a body that passes this limit but whose request (with its headers) the bus
   * cannot carry is a 413 too, from the request client, never a failed publish. Lists that ride
   * in events (a class roster) are held to listByteBudget(max_payload) where they enter.
   */
  BODY_LIMIT: Type.Integer({ default: 1_048_576, minimum: 1_024 }),
  /** Lame-duck time on SIGTERM before the listener closes (see plugins/app/draining.ts). */
  SHUTDOWN_DELAY_MS: Type.Integer({ default: 1_000, minimum: 0, maximum: 60_000 }),
  /** When set, tokens must carry this `iss` / `aud` (keys: see auth/keys.ts). */
  AUTH_JWT_ISSUER: Type.Optional(Type.String({ minLength: 1 })),
  AUTH_JWT_AUDIENCE: Type.Optional(Type.String({ minLength: 1 })),
  ...RateLimitConfig,
  /** Browser origins allowed to call the API, comma-separated (`https://app.example.com`); none by default. */
  CORS_ORIGINS: Type.String({ default: '' }),
  /** Proxies in front of the gateway whose X-Forwarded-For is believed: the client address of rate limits. */
  TRUST_PROXY: Type.Integer({ default: 0, minimum: 0, maximum: 10 }),
  ...StreamConfig,
});

export interface GatewayConfig {
  natsUrl: string;
  natsAuth: NatsAuth;
  logLevel: string;
  host: string;
  port: number;
  requestTimeoutMs: number;
  bodyLimit: number;
  shutdownDelayMs: number;
  auth: AuthSettings;
  rateLimit: RateLimitSettings;
  corsOrigins: string[];
  trustProxy: number;
  streams: StreamSettings;
}

export interface RateLimitSettings {
  max: number;
  windowMs: number;
  signatureMax: number;
  /** How often each copy writes its counts to the shared bucket; default 250 ms. */
  flushMs?: number;
  /** Replicas of that bucket (JETSTREAM_REPLICAS); default 1. */
  replicas?: number;
}

export interface StreamSettings {
  pingMs: number;
  maxOpen: number;
  ticketTtlS: number;
  /** Replicas of the tickets' KV bucket. */
  replicas: number;
}

function readStreams(c: Static<typeof StreamSchema>, replicas: number): StreamSettings {
  return {
    pingMs: c.STREAM_PING_MS,
    maxOpen: c.STREAM_MAX_OPEN,
    ticketTtlS: c.STREAM_TICKET_TTL_S,
    replicas,
  };
}

function readRateLimit(c: Static<typeof RateLimitSchema>, replicas: number): Required<RateLimitSettings> {
  return {
    max: c.RATE_LIMIT_MAX,
    windowMs: c.RATE_LIMIT_WINDOW_MS,
    signatureMax: c.SIGNATURE_RATE_LIMIT_MAX,
    flushMs: c.RATE_LIMIT_FLUSH_MS,
    replicas,
  };
}

/** The limits a gateway built without them gets: the schema's defaults (one declaration). */
export const DEFAULT_RATE_LIMIT: Required<RateLimitSettings> = readRateLimit(
  loadConfig(RateLimitSchema, {}),
  1,
);
export const DEFAULT_STREAMS: StreamSettings = readStreams(loadConfig(StreamSchema, {}), 1);

export function readConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const c = loadConfig(Schema, env);
  return {
    natsUrl: c.NATS_URL,
    natsAuth: readNatsAuth(env),
    logLevel: c.LOG_LEVEL,
    host: c.HOST,
    port: c.PORT,
    requestTimeoutMs: c.REQUEST_TIMEOUT_MS,
    bodyLimit: c.BODY_LIMIT,
    shutdownDelayMs: c.SHUTDOWN_DELAY_MS,
    auth: {
      keys: readAuthKeys(env),
      ...(c.AUTH_JWT_ISSUER ? { issuer: c.AUTH_JWT_ISSUER } : {}),
      ...(c.AUTH_JWT_AUDIENCE ? { audience: c.AUTH_JWT_AUDIENCE } : {}),
    },
    rateLimit: readRateLimit(c, c.JETSTREAM_REPLICAS),
    corsOrigins: parseOrigins(c.CORS_ORIGINS),
    trustProxy: c.TRUST_PROXY,
    streams: readStreams(c, c.JETSTREAM_REPLICAS),
  };
}

/** `https://a.example, http://localhost:5173` → exact origins; `*` would defeat the allow-list. */
export function parseOrigins(list: string): string[] {
  const origins = list
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.origin !== origin || !/^https?:$/.test(parsed.protocol)) {
      throw new ConfigError(
        `CORS_ORIGINS: "${origin}" is not an origin like https://app.example.com (no path, no *)`,
      );
    }
  }
  return origins;
}
