import { closeBus, connectBus, type NatsConnection } from '@im/bus';
import { createLogger } from '@im/log';
import { connectMongo, type MongoStore } from '@im/store';
import { type MongoHandle, type NatsHandle, startMongo, startNats, uniqueDbName } from '@im/testkit';
import { type JetStreamHandles, openJetStream } from '../src/index.js';

export const log = createLogger({ name: 'test', level: 'silent' });

/** What one process of a service holds: its NATS connection, JetStream handles and database. */
export interface EventsClient {
  nc: NatsConnection;
  jet: JetStreamHandles;
  store: MongoStore;
}

export interface EventsServers {
  nats: NatsHandle;
  mongo: MongoHandle;
  /** A client named `name` (as the server's connection list shows it), on the one test database. */
  client(name: string): Promise<EventsClient>;
  /** Closes every client, then stops the servers. */
  stop(): Promise<void>;
}

/** A nats-server and a MongoDB-wire server of a test file's own, and a fresh database on the latter. */
export async function startEventsServers(dbPrefix: string): Promise<EventsServers> {
  const [nats, mongo] = await Promise.all([startNats(), startMongo()]);
  const dbName = uniqueDbName(dbPrefix);
  const clients: EventsClient[] = [];
  return {
    nats,
    mongo,
    async client(name) {
      const nc = await connectBus({ servers: nats.url, name, log });
      const store = await connectMongo(mongo.url, name, dbName);
      const client = { nc, jet: await openJetStream(nc), store };
      clients.push(client);
      return client;
    },
    async stop() {
      for (const { nc, store } of clients) {
        await closeBus(nc);
        await store.close();
      }
      await Promise.all([nats.stop(), mongo.stop()]);
    },
  };
}
