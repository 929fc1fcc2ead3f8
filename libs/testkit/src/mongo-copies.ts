import { type Db, MongoClient, type MongoClientOptions } from 'mongodb';
import { uniqueDbName } from './db-name.js';
import { type MongoHandle, startMongo } from './mongo.js';

export interface MongoCopies {
  /** One database, seen through two clients: copy 0's and copy 1's. */
  dbs: [Db, Db];
  server: MongoHandle;
  stop(): Promise<void>;
}

/**
 * A MongoDB-wire server (startMongo) and two clients of it on one fresh database: two copies of a
 * service, as two processes would be. Each has its own connection pool, and a repository built on
 * one shares no in-process lock or cache with one built on the other, so a race between them is
 * decided by the server alone.
 */
export async function startMongoCopies(
  dbPrefix: string,
  options: MongoClientOptions = {},
): Promise<MongoCopies> {
  const server = await startMongo();
  const clients = [new MongoClient(server.url, options), new MongoClient(server.url, options)] as const;
  const stop = async () => {
    await Promise.all(clients.map((client) => client.close()));
    await server.stop();
  };
  try {
    await Promise.all(clients.map((client) => client.connect()));
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
  const name = uniqueDbName(dbPrefix);
  return { dbs: [clients[0].db(name), clients[1].db(name)], server, stop };
}
