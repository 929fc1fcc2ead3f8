import {
  CommonConfig,
  InFlightConfig,
  loadConfig,
  metricsConfig,
  readNatsAuth,
  readSecret,
} from '@im/config';
import { type Static, Type } from '@sinclair/typebox';
import { AppKeys } from './app-keys.js';

/**
 * The signature service's environment: the one declaration of its settings and their defaults.
 * SIGNATURE_APP_KEYS(_FILE) and the NATS credentials are secrets, read beside it (readSecret).
 */
export const SignatureConfigSchema = Type.Object({
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

/** The settings startSignatureService takes, from the loaded variables: part of readConfig's mapping. */
function serviceSettings(c: Static<typeof SignatureConfigSchema>) {
  return {
    timestampFormat: c.SIGNATURE_TIMESTAMP_FORMAT,
    unownedConversations: c.SIGNATURE_UNOWNED_CONVERSATIONS,
    groupTimeoutMs: c.SIGNATURE_GROUP_TIMEOUT_MS,
    maxInFlight: c.MAX_IN_FLIGHT,
  };
}

/** What a signature service started without them gets: the schema's defaults, read once. */
export const DEFAULT_SIGNATURE_SETTINGS = serviceSettings(loadConfig(SignatureConfigSchema, {}));

/** The environment, read against SignatureConfigSchema, as code names it: the only mapper. */
export function readConfig(env: Record<string, string | undefined> = process.env) {
  const config = loadConfig(SignatureConfigSchema, env);
  return {
    natsUrl: config.NATS_URL,
    natsAuth: readNatsAuth(env),
    logLevel: config.LOG_LEVEL,
    appKeys: AppKeys.parse(readSecret('SIGNATURE_APP_KEYS', env)),
    metricsPort: config.METRICS_PORT,
    metricsHost: config.METRICS_HOST,
    ...serviceSettings(config),
  };
}

/** The signature service's settings: their types come from the schema through readConfig. */
export type SignatureConfig = ReturnType<typeof readConfig>;
