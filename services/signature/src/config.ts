import {
  CommonConfig,
  InFlightConfig,
  loadConfig,
  metricsConfig,
  type NatsAuth,
  readNatsAuth,
  readSecret,
} from '@im/config';
import { Type } from '@sinclair/typebox';
import { AppKeys } from './app-keys.js';
import type { UnownedConversations } from './group-rules.js';
import type { TimestampFormat } from './signing.js';

const Schema = Type.Object({
  ...CommonConfig,
  ...metricsConfig(9101),
  ...InFlightConfig,
  /** How the signed timestamp is written: integer seconds, integer milliseconds, or the old fraction. */
  SIGNATURE_TIMESTAMP_FORMAT: Type.Union(
    [Type.Literal('seconds'), Type.Literal('milliseconds'), Type.Literal('fraction')],
    { default: 'seconds' },
  ),
  /** Invite, kick and join on a conversation no group owns: signed for the caller itself, or refused. */
  SIGNATURE_UNOWNED_CONVERSATIONS: Type.Union([Type.Literal('allow'), Type.Literal('refuse')], {
    default: 'allow',
  }),
  /**
   * How long the group service may take to say who owns a conversation: below the gateway's
   * REQUEST_TIMEOUT_MS, so a slow group service is named in the 504 rather than this service.
   */
  SIGNATURE_GROUP_TIMEOUT_MS: Type.Integer({ default: 2_000, minimum: 100, maximum: 60_000 }),
});

export interface SignatureConfig {
  natsUrl: string;
  natsAuth: NatsAuth;
  logLevel: string;
  appKeys: AppKeys;
  metricsPort: number;
  metricsHost: string;
  timestampFormat: TimestampFormat;
  unownedConversations: UnownedConversations;
  groupTimeoutMs: number;
  maxInFlight: number;
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
    timestampFormat: config.SIGNATURE_TIMESTAMP_FORMAT,
    unownedConversations: config.SIGNATURE_UNOWNED_CONVERSATIONS,
    groupTimeoutMs: config.SIGNATURE_GROUP_TIMEOUT_MS,
    maxInFlight: config.MAX_IN_FLIGHT,
  };
}
