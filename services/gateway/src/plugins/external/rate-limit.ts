import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import { AppError, ErrorCode } from '@im/contracts';
import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { DEFAULT_RATE_LIMIT, type RateLimitSettings } from '../../config.js';
import { SharedCounts } from '../../rate-limit/shared-counts.js';
import { sharedStore } from '../../rate-limit/store.js';

/**
 * Per-caller limits (per address for requests without a valid token) in fixed windows, counted
 * across the gateway copies: each copy judges a request at once from the last known global count
 * and its own requests since, and writes its counts to a JetStream KV bucket every `flushMs`
 * (rate-limit/shared-counts.ts). Without JetStream each copy counts alone. A hit costs a key and a
 * map lookup, and no headers; a refusal is a 429 (1012) with `Retry-After` and the
 * `x-ratelimit-*` headers. Signatures have their own, tighter bucket shared by the four signature
 * routes: a signature is the credential the IM provider takes, so it is what an abuser would harvest.
 */
export default fp<RateLimitSettings>(
  async (app, settings) => {
    const { max, windowMs, signatureMax } = settings;
    const counts = new SharedCounts({
      log: app.log,
      flushMs: settings.flushMs ?? DEFAULT_RATE_LIMIT.flushMs,
      replicas: settings.replicas ?? DEFAULT_RATE_LIMIT.replicas,
      windowMs,
    });
    // The bus plugin (the connection) is registered after this one: shared once all are loaded.
    app.addHook('onReady', async () => {
      if (app.hasDecorator('nc')) counts.start(app.nc);
    });
    app.addHook('onClose', async () => counts.stop());

    let signatureLimit: onRequestHookHandler | undefined;
    // Runs before rate-limit's own onRoute hook (registered below): signature routes leave the
    // global bucket for the shared one.
    app.addHook('onRoute', (route) => {
      if (!route.url.startsWith('/signature/')) return;
      route.config = { ...route.config, rateLimit: false };
      signatureLimit ??= app.rateLimit({
        max: signatureMax,
        timeWindow: windowMs,
        keyGenerator: (request) => `signature|${keyOf(request)}`,
      }) as onRequestHookHandler;
      route.onRequest = [...[route.onRequest ?? []].flat(), signatureLimit];
    });
    await app.register(rateLimit, {
      global: true,
      max,
      timeWindow: windowMs,
      hook: 'onRequest',
      keyGenerator: keyOf,
      store: sharedStore(counts),
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
