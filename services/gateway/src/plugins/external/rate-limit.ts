import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import { AppError, ErrorCode } from '@im/contracts';
import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { RateLimitSettings } from '../../config.js';

/**
 * Per-caller limits (per address for requests without a valid token), kept in memory: each
 * gateway copy counts its own, so the effective limit is the setting times the copies. A hit
 * costs a key, one LRU lookup and no headers; a refusal is a 429 (1012) with `Retry-After`.
 * Signatures have their own, tighter bucket shared by the four signature routes: a signature is
 * the credential the IM provider takes, so it is what an abuser would harvest.
 */
export default fp<RateLimitSettings>(
  async (app, { max, windowMs, signatureMax }) => {
    let signatureLimit: onRequestHookHandler | undefined;
    // Runs before rate-limit's own onRoute hook (registered below): signature routes leave the
    // global bucket for the shared one.
    app.addHook('onRoute', (route) => {
      if (!route.url.startsWith('/signature/')) return;
      route.config = { ...route.config, rateLimit: false };
      signatureLimit ??= app.rateLimit({ max: signatureMax, timeWindow: windowMs }) as onRequestHookHandler;
      route.onRequest = [...[route.onRequest ?? []].flat(), signatureLimit];
    });
    await app.register(rateLimit, {
      global: true,
      max,
      timeWindow: windowMs,
      hook: 'onRequest',
      keyGenerator: keyOf,
      addHeadersOnExceeding: {
        'x-ratelimit-limit': false,
        'x-ratelimit-remaining': false,
        'x-ratelimit-reset': false,
      },
      errorResponseBuilder: (_request, context) =>
        new AppError(
          ErrorCode.TooManyRequests,
          `too many requests: at most ${context.max} per ${windowMs / 1000} s; retry in ${Math.max(1, Math.ceil(context.ttl / 1000))} s`,
        ),
    });
  },
  { name: 'rate-limit', dependencies: ['auth'] },
);

/** The auth hook has run (a global hook, before this route hook): a verified caller counts as itself. */
function keyOf(request: FastifyRequest): string {
  return request.caller ? `caller:${request.caller.sub}` : `ip:${normalizeIP(request.ip)}`;
}
