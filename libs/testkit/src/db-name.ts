import { randomBytes } from 'node:crypto';

/**
 * A database name no other test file, process or run uses, so tests sharing one MONGO_URL never
 * see each other's data. Letters, digits and `_` only, at most 63 characters: the subset both
 * MongoDB and FerretDB's SQLite handler accept.
 */
export function uniqueDbName(prefix = 'test'): string {
  const clean = prefix.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40) || 'test';
  return `${clean}_${process.pid.toString(36)}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** `url` with its database path set to `dbName`, query options kept (works for multi-host URLs too). */
export function withDbName(url: string, dbName: string): string {
  const queryAt = url.indexOf('?');
  const base = queryAt === -1 ? url : url.slice(0, queryAt);
  const query = queryAt === -1 ? '' : url.slice(queryAt);
  const hostsStart = base.indexOf('://') + 3;
  const pathAt = base.indexOf('/', hostsStart);
  const hosts = pathAt === -1 ? base : base.slice(0, pathAt);
  return `${hosts}/${dbName}${query}`;
}
