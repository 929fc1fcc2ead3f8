export { applyIfNewer } from './apply-if-newer.js';
export { connectMongo, DEFAULT_MONGO_TIMEOUT_MS, type MongoStore, type MongoTimeouts } from './connect.js';
export { Counters, type CountersOptions } from './counters.js';
export { isDuplicateKeyError } from './duplicate-key.js';
export { findByIds } from './find-by-ids.js';
export type { KeptValues } from './kept-values.js';
export { KeyLock } from './key-lock.js';
export {
  bucketId,
  DEFAULT_BUCKET_SIZE,
  headId,
  KeyedList,
  type KeyedListOptions,
  type ListBucket,
  type ListDoc,
  type ListHead,
  type ListPage,
  type SincePage,
} from './keyed-list.js';
export { loadList } from './keyed-list-load.js';
export { PageCache } from './page-cache.js';
export { queryLimit, setQueryLimit } from './query-limit.js';
export { runOnce } from './run-once.js';
export { ATOMIC_WRITES_PATCH, isFerretdb, updatesAreAtomic } from './server-kind.js';
