export { CommonConfig, MongoConfig, metricsConfig } from './common.js';
export { ConfigError, loadConfig, readSecret } from './load-config.js';
