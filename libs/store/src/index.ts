export { applyIfNewer } from './apply-if-newer.js';
export { connectMongo, DEFAULT_MONGO_TIMEOUT_MS, type MongoStore, type MongoTimeouts } from './connect.js';
export { Counters } from './counters.js';
export { isDuplicateKeyError } from './duplicate-key.js';
export { queryLimit, setQueryLimit } from './query-limit.js';
