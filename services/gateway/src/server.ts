import { randomBytes } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from '@im/log';
import type { NatsConnection } from '@nats-io/transport-node';
import Fastify, { LogController } from 'fastify';
import fp from 'fastify-plugin';
import { app } from './app.js';

/**
 * Request ids for calls that bring none: a random per-process prefix and a counter, unique across
 * copies of the gateway and far cheaper than a UUID per request.
 */
const ID_PREFIX = randomBytes(6).toString('hex');
let idCounter = 0;
const nextRequestId = () => `${ID_PREFIX}-${(idCounter++).toString(36)}`;

export interface ServerOptions {
  nc: NatsConnection;
  log: Logger;
  requestTimeoutMs: number;
  bodyLimit: number;
  jetstreamReplicas?: number;
}

/** The Fastify instance with its process-level settings; shared by `main.ts` and the tests. */
export async function buildServer({
  nc,
  log,
  requestTimeoutMs,
  bodyLimit,
  jetstreamReplicas = 1,
}: ServerOptions) {
  const server = Fastify({
    loggerInstance: log,
    // One line per request costs the hot path; operators turn it on with LOG_LEVEL=debug.
    logController: new LogController({ disableRequestLogging: !log.isLevelEnabled('debug') }),
    requestIdHeader: 'x-request-id',
    genReqId: nextRequestId,
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
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Not encapsulated (fastify-plugin): the process needs the app's decorators, e.g. beginDraining.
  await server.register(fp(app), { nc, requestTimeoutMs, jetstreamReplicas });
  return server;
}
