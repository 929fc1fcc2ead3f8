import { closeBus, connectBus, type NatsConnection } from '@im/bus';
import { createLogger } from '@im/log';
import { type NatsHandle, startNats } from '@im/testkit';
import { buildServer } from '../src/server.js';

export const silentLog = createLogger({ name: 'test', level: 'silent' });

export type Gateway = Awaited<ReturnType<typeof buildServer>>;

export interface GatewayHarness {
  nats: NatsHandle;
  /** The connection services under test use; the gateway has its own, as in production. */
  nc: NatsConnection;
  gateway: Gateway;
  close(): Promise<void>;
}

/** A real nats-server, a connection for in-process services, and the gateway for `inject`. */
export async function startGatewayHarness(requestTimeoutMs = 2_000): Promise<GatewayHarness> {
  const nats = await startNats();
  const nc = await connectBus({ servers: nats.url, name: 'test-services', log: silentLog });
  const gatewayNc = await connectBus({ servers: nats.url, name: 'test-gateway', log: silentLog });
  const gateway = await buildServer({
    nc: gatewayNc,
    log: silentLog,
    requestTimeoutMs,
    bodyLimit: 1_048_576,
  });
  return {
    nats,
    nc,
    gateway,
    async close() {
      await gateway.close();
      await closeBus(gatewayNc);
      await closeBus(nc);
      await nats.stop();
    },
  };
}
