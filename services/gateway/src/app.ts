import type { NatsConnection } from '@nats-io/transport-node';
import type { FastifyInstance } from 'fastify';
import bus from './plugins/app/bus.js';
import errors from './plugins/app/errors.js';
import events from './plugins/app/events.js';
import formbody from './plugins/external/formbody.js';
import health from './routes/health/index.js';
import signature from './routes/signature/index.js';

export interface AppOptions {
  nc: NatsConnection;
  requestTimeoutMs: number;
  jetstreamReplicas: number;
}

/**
 * The gateway as a plugin: external plugins, then ours, then the routes. The process file
 * (`main.ts`) builds the Fastify instance around it; tests do the same with `inject`.
 */
export async function app(instance: FastifyInstance, options: AppOptions): Promise<void> {
  await instance.register(errors);
  await instance.register(formbody);
  await instance.register(bus, { nc: options.nc, requestTimeoutMs: options.requestTimeoutMs });
  await instance.register(events, { jetstreamReplicas: options.jetstreamReplicas });
  await instance.register(health);
  await instance.register(signature);
}
