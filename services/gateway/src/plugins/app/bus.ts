import { RequestClient } from '@im/bus';
import type { NatsConnection } from '@nats-io/transport-node';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    nc: NatsConnection;
    bus: RequestClient;
  }
}

export interface BusPluginOptions {
  nc: NatsConnection;
  requestTimeoutMs: number;
}

/**
 * The gateway's one way to reach services. The connection is owned by the process (it drains it
 * after the server has closed); the request client is the app's and is closed with it.
 */
export default fp<BusPluginOptions>(
  async (app, { nc, requestTimeoutMs }) => {
    const bus = new RequestClient(nc, { timeoutMs: requestTimeoutMs });
    app.decorate('nc', nc);
    app.decorate('bus', bus);
    app.addHook('onClose', async () => bus.close());
  },
  { name: 'bus' },
);
