import { CommonConfig, loadConfig, metricsConfig, type NatsAuth, readNatsAuth, readSecret } from '@im/config';
import { Type } from '@sinclair/typebox';
import { AppKeys } from './app-keys.js';

const Schema = Type.Object({ ...CommonConfig, ...metricsConfig(9101) });

export interface SignatureConfig {
  natsUrl: string;
  natsAuth: NatsAuth;
  logLevel: string;
  appKeys: AppKeys;
  metricsPort: number;
  metricsHost: string;
}

export function readConfig(env: Record<string, string | undefined> = process.env): SignatureConfig {
  const config = loadConfig(Schema, env);
  return {
    natsUrl: config.NATS_URL,
    natsAuth: readNatsAuth(env),
    logLevel: config.LOG_LEVEL,
    appKeys: AppKeys.parse(readSecret('SIGNATURE_APP_KEYS', env)),
    metricsPort: config.METRICS_PORT,
    metricsHost: config.METRICS_HOST,
  };
}
