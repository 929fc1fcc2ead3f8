export { connectMongo, databaseOf, type MongoStore } from './connect.js';
export { Counters } from './counters.js';
export { isDuplicateKeyError } from './duplicate-key.js';
