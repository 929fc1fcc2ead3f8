export {
  CommonConfig,
  InFlightConfig,
  JetStreamConfig,
  MongoTimeoutConfig,
  metricsConfig,
  RELAY_PACE_DEFAULTS,
  RelayConfig,
  type RelaySettings,
  readRelaySettings,
  readStoredServiceConfig,
  type StoredServiceConfig,
  storedServiceConfig,
} from './common.js';
export { databaseOf } from './database-of.js';
export { ConfigError, loadConfig, readSecret } from './load-config.js';
export { type NatsAuth, readNatsAuth } from './nats-auth.js';
