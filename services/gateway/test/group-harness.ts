import { closeBus, connectBus, type NatsConnection } from '@im/bus';
import { startGroupService } from '@im/group-service';
import { createLogger } from '@im/log';
import { connectMongo, type MongoStore } from '@im/store';
import {
  type MongoHandle,
  type NatsHandle,
  startMongo,
  startNats,
  uniqueDbName,
  withDbName,
} from '@im/testkit';
import { buildServer } from '../src/server.js';
import { addDirectoryStream, type TestAuth, testAuth } from './helpers.js';

const log = createLogger({ name: 'group-gateway-test', level: 'silent' });

export type Gateway = Awaited<ReturnType<typeof buildServer>>;

export interface GroupGatewayHarness {
  nats: NatsHandle;
  nc: NatsConnection;
  store: MongoStore;
  gateway: Gateway;
  auth: TestAuth;
  stopGroupService(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Real NATS and MongoDB-wire servers, DIRECTORY provisioned as the directory would, the group
 * service in-process on a database of its own, and the whole gateway (every route, the error
 * handler, the body limit) for `inject`.
 */
export async function startGroupGateway(bodyLimit = 1_048_576): Promise<GroupGatewayHarness> {
  const nats = await startNats();
  let mongo: MongoHandle | undefined;
  try {
    mongo = await startMongo();
    const store = await connectMongo(withDbName(mongo.url, uniqueDbName('gw_group')), 'group-gateway-test');
    const nc = await connectBus({ servers: nats.url, name: 'test-group', log });
    const gatewayNc = await connectBus({ servers: nats.url, name: 'test-gateway', log });
    // The directory's side: the admin routes publish into DIRECTORY, which no service creates.
    await addDirectoryStream(nc);
    let service: { stop(): Promise<void> } | undefined = await startGroupService({
      nc,
      db: store.db,
      log,
      config: { maxMembers: 5 },
    });
    const auth = testAuth();
    const gateway = await buildServer({
      nc: gatewayNc,
      log,
      requestTimeoutMs: 5_000,
      bodyLimit,
      auth: auth.settings,
    });
    const stopGroupService = async () => {
      await service?.stop();
      service = undefined;
    };
    return {
      nats,
      nc,
      store,
      gateway,
      auth,
      stopGroupService,
      async close() {
        await gateway.close();
        await stopGroupService();
        await closeBus(gatewayNc);
        await closeBus(nc);
        await store.close();
        await mongo?.stop();
        await nats.stop();
      },
    };
  } catch (error) {
    await mongo?.stop();
    await nats.stop();
    throw error;
  }
}
