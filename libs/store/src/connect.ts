import { databaseOf } from '@im/config';
import { type Db, MongoClient } from 'mongodb';

export interface MongoStore {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

/**
 * Connects to any MongoDB-wire server. The database is the URL's path (`mongodb://h/im` → `im`),
 * or `defaultDb` when the URL names none. Retryable writes are off: they need server sessions, which FerretDB 1.x does not have;
 * our writes are idempotent by design (unique indexes), so retrying is the caller's decision.
 */
export async function connectMongo(url: string, appName: string, defaultDb = 'im'): Promise<MongoStore> {
  const client = new MongoClient(url, {
    appName,
    retryWrites: false,
    serverSelectionTimeoutMS: 10_000,
    maxPoolSize: 20,
  });
  await client.connect();
  const db = client.db(databaseOf(url) ?? defaultDb);
  return { client, db, close: () => client.close() };
}
