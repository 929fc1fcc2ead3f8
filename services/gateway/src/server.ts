import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type Logger, lazyChild } from '@im/log';
import type { NatsConnection } from '@nats-io/transport-node';
import Fastify, { LogController } from 'fastify';
import fp from 'fastify-plugin';
import { app } from './app.js';
import type { AuthSettings } from './auth/keys.js';
import { clientErrorHandler } from './client-errors.js';
import {
  DEFAULT_RATE_LIMIT,
  DEFAULT_STREAMS,
  type RateLimitSettings,
  type StreamSettings,
} from './config.js';
import { frameworkErrorHandler } from './framework-errors.js';
import { requestIdOf } from './request-id.js';

export interface ServerOptions {
  nc: NatsConnection;
  log: Logger;
  requestTimeoutMs: number;
  bodyLimit: number;
  /** The keys tokens are verified with: required, there is no unauthenticated gateway. */
  auth: AuthSettings;
  rateLimit?: RateLimitSettings;
  /** Browser origins allowed (CORS); none by default. */
  corsOrigins?: string[];
  /** Proxies in front whose X-Forwarded-For is believed (0: none). */
  trustProxy?: number;
  /** Live notification streams and their tickets; any setting left out has its default. */
  streams?: Partial<StreamSettings>;
}

/** The Fastify instance with its process-level settings; shared by `main.ts` and the tests. */
export async function buildServer({
  nc,
  log,
  requestTimeoutMs,
  bodyLimit,
  auth,
  rateLimit = DEFAULT_RATE_LIMIT,
  corsOrigins = [],
  trustProxy = 0,
  streams = {},
}: ServerOptions) {
  const server = Fastify({
    loggerInstance: log,
    // request.log is built on first use: most requests never log (see lazyChild).
    childLoggerFactory: (logger, bindings, options) => lazyChild(logger as Logger, bindings, options),
    // One line per request costs the hot path; operators turn it on with LOG_LEVEL=debug.
    logController: new LogController({ disableRequestLogging: !log.isLevelEnabled('debug') }),
    // The caller's X-Request-Id only when it is a safe token (request-id.ts): it travels into
    // NATS headers and log lines. Fastify's own header option would take any value.
    requestIdHeader: false,
    genReqId: requestIdOf,
    // Errors of Node's HTTP parser answer in the API's error shape, not Fastify's.
    clientErrorHandler: clientErrorHandler(log),
    // So are Fastify's own errors before routing (a path that is not valid percent-encoding).
    frameworkErrors: frameworkErrorHandler,
    bodyLimit,
    // Request bodies and slow clients must not hold a connection forever.
    requestTimeout: requestTimeoutMs * 2,
    connectionTimeout: 10_000,
    // While closing, requests on open keep-alive connections are still answered (not 503): Node
    // ends each such connection after its response, and new connections are refused.
    return503OnClosing: false,
    // Open connections are not cut at close: during lame duck every answer says
    // `Connection: close`, so each ends after its answer, including one accepted a moment before
    // the listener closed whose request is still on its way (closing "idle" ones would reset it).
    forceCloseConnections: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 16_384 },
    // A field the schema does not know is a 400 naming it (`?page[$gt]=1`), never silently dropped:
    // an operator smuggled into an unexpected key must not look like an accepted request.
    ajv: { customOptions: { removeAdditional: false } },
    // Behind proxies, the client's address (the key of per-address rate limits) is in X-Forwarded-For.
    trustProxy: trustProxy > 0 ? (_address: string, hop: number) => hop < trustProxy : false,
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Not encapsulated (fastify-plugin): the process needs the app's decorators, e.g. beginDraining.
  await server.register(fp(app), {
    nc,
    requestTimeoutMs,
    auth,
    rateLimit,
    corsOrigins,
    streams: { ...DEFAULT_STREAMS, ...streams },
  });
  return server;
}
