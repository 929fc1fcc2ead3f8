import cors from '@fastify/cors';
import { invalidParameter } from '@im/contracts';
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
    // A preflight lacking what makes it one would get @fastify/cors's text/plain 400: refuse it
    // first, in the API's error shape, naming the missing header. Runs before the plugin's hook.
    app.addHook('onRequest', async (request) => {
      if (request.method !== 'OPTIONS') return;
      for (const header of ['origin', 'access-control-request-method']) {
        if (!request.headers[header]) throw invalidParameter(header, 'a CORS preflight must send it');
      }
    });
    await app.register(cors, {
      origin: origins,
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      // last-event-id: what a stream client sends when it resumes (docs/live.md).
      allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id', 'last-event-id'],
      exposedHeaders: ['x-request-id', 'retry-after', 'www-authenticate'],
      credentials: false,
      maxAge: 600,
    });
  },
  { name: 'cors' },
);
