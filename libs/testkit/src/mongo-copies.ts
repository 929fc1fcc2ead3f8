import { type Db, MongoClient, type MongoClientOptions } from 'mongodb';
import { uniqueDbName } from './db-name.js';
import { type MongoHandle, startMongo } from './mongo.js';

export interface MongoCopies {
  /** One database, seen through two clients: copy 0's and copy 1's. */
  dbs: [Db, Db];
  server: MongoHandle;
  stop(): Promise<void>;
}

/** A MongoDB-wire server (startMongo) and one client of it on one fresh database. */
export interface MongoDatabase {
  db: Db;
  client: MongoClient;
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
  const { server, clients, name, stop } = await startClients(dbPrefix, 2, options);
  return { dbs: [clients[0]!.db(name), clients[1]!.db(name)], server, stop };
}

/** The same with one client: a repository's tests on a fresh database of their own. */
export async function startMongoDb(
  dbPrefix: string,
  options: MongoClientOptions = {},
): Promise<MongoDatabase> {
  const { server, clients, name, stop } = await startClients(dbPrefix, 1, options);
  return { db: clients[0]!.db(name), client: clients[0]!, server, stop };
}

/** A server and `count` connected clients; `stop` closes them and stops the server. */
async function startClients(dbPrefix: string, count: number, options: MongoClientOptions) {
  const server = await startMongo();
  const clients = Array.from({ length: count }, () => new MongoClient(server.url, options));
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
  return { server, clients, name: uniqueDbName(dbPrefix), stop };
}
