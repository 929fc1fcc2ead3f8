import cors from '@fastify/cors';
import fp from 'fastify-plugin';

export interface CorsOptions {
  /** Exact origins allowed to call from a browser; empty: no CORS at all (the default). */
  origins: string[];
}

/**
 * CORS from an allow-list. Tokens travel in `Authorization`, never in cookies, so credentials are
 * not allowed. Browsers send a preflight without the token: its route is public.
 */
export default fp<CorsOptions>(
  async (app, { origins }) => {
    if (origins.length === 0) return;
    app.addHook('onRoute', (route) => {
      if (route.method === 'OPTIONS' && route.url === '*') route.config = { ...route.config, public: true };
    });
    await app.register(cors, {
      origin: origins,
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id'],
      exposedHeaders: ['x-request-id', 'retry-after', 'www-authenticate'],
      credentials: false,
      maxAge: 600,
    });
  },
  { name: 'cors' },
);
