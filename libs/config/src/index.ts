export { CommonConfig, MongoConfig } from './common.js';
export { ConfigError, loadConfig, readSecret } from './load-config.js';
