import type { Db } from 'mongodb';
import { DEFAULT_MONGO_TIMEOUT_MS } from './connect-defaults.js';

/**
 * The `maxTimeMS` of reads that may scan (lists, counts, aggregations), per database. The Node
 * driver has no client-wide `maxTimeMS`, and a client that gave up (socket timeout) leaves the
 * server working on: with the limit on the query, the server stops the work itself. `connectMongo`
 * records the limit of the databases it opens; a database opened elsewhere (tests) gets the
 * default.
 */
const limits = new WeakMap<Db, number>();

export function setQueryLimit(db: Db, maxTimeMS: number): void {
  limits.set(db, maxTimeMS);
}

/** Options to spread into a read: `find(filter, { ...queryLimit(db), projection })`. */
export function queryLimit(db: Db): { maxTimeMS: number } {
  return { maxTimeMS: limits.get(db) ?? DEFAULT_MONGO_TIMEOUT_MS };
}
