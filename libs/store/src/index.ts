export { databaseOf } from '@im/config';
export { applyIfNewer } from './apply-if-newer.js';
export { connectMongo, type MongoStore } from './connect.js';
export { Counters } from './counters.js';
export { isDuplicateKeyError } from './duplicate-key.js';
