import fp from 'fastify-plugin';
import { TicketStore } from '../../tickets/ticket-store.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Stream tickets in their KV bucket (tickets/ticket-store.ts). */
    tickets: TicketStore;
  }
}

export interface TicketsOptions {
  ttlS: number;
  replicas: number;
  requestTimeoutMs: number;
}

/**
 * The tickets' bucket is created at start, in the background: the gateway serves everything
 * else without JetStream, and the ticket routes answer 503 naming the bucket (trying again on
 * each call) until it can be made.
 */
export default fp<TicketsOptions>(
  async (app, { ttlS, replicas, requestTimeoutMs }) => {
    const tickets = new TicketStore(app.nc, { ttlS, replicas, timeoutMs: requestTimeoutMs });
    app.decorate('tickets', tickets);
    app.addHook('onReady', async () => {
      tickets.open().catch((error: Error) => app.log.warn({ err: error.message }, 'stream tickets: not yet'));
    });
  },
  { name: 'tickets', dependencies: ['bus'] },
);
