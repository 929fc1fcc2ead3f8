import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** True once shutdown has begun: answers close their connection and /readyz says 503. */
    readonly draining: boolean;
    /** The first step of a graceful shutdown, before the server stops listening. */
    beginDraining(): void;
  }
}

/**
 * Lame-duck mode. Closing the listener at once would cut keep-alive connections a client is
 * about to reuse; instead, for a short while, every answer carries `Connection: close` (clients
 * open fresh connections, load balancers see /readyz fail and stop routing here), and only then
 * does the server close.
 */
export default fp(
  async (app) => {
    let draining = false;
    app.decorate('draining', {
      getter: () => draining,
    });
    app.decorate('beginDraining', () => {
      draining = true;
    });
  },
  { name: 'draining' },
);
