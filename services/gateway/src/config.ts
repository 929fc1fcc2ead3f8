import { CommonConfig, loadConfig } from '@im/config';
import { Type } from '@sinclair/typebox';

const Schema = Type.Object({
  ...CommonConfig,
  HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  PORT: Type.Integer({ default: 3000, minimum: 0, maximum: 65_535 }),
  /** How long the gateway waits for a service before answering 504. */
  REQUEST_TIMEOUT_MS: Type.Integer({ default: 5_000, minimum: 100, maximum: 120_000 }),
  /** Largest request body accepted; larger is a 413. */
  BODY_LIMIT: Type.Integer({ default: 1_048_576, minimum: 1_024 }),
  /** Lame-duck time on SIGTERM before the listener closes (see plugins/app/draining.ts). */
  SHUTDOWN_DELAY_MS: Type.Integer({ default: 1_000, minimum: 0, maximum: 60_000 }),
  /** JetStream replicas for the streams this process creates: 1 on one server, 3 on a cluster. */
  JETSTREAM_REPLICAS: Type.Integer({ default: 1, minimum: 1, maximum: 5 }),
});

export interface GatewayConfig {
  natsUrl: string;
  logLevel: string;
  host: string;
  port: number;
  requestTimeoutMs: number;
  bodyLimit: number;
  jetstreamReplicas: number;
  shutdownDelayMs: number;
}

export function readConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const c = loadConfig(Schema, env);
  return {
    natsUrl: c.NATS_URL,
    logLevel: c.LOG_LEVEL,
    host: c.HOST,
    port: c.PORT,
    requestTimeoutMs: c.REQUEST_TIMEOUT_MS,
    bodyLimit: c.BODY_LIMIT,
    jetstreamReplicas: c.JETSTREAM_REPLICAS,
    shutdownDelayMs: c.SHUTDOWN_DELAY_MS,
  };
}
