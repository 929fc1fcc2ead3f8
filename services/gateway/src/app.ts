import type { NatsConnection } from '@nats-io/transport-node';
import type { FastifyInstance } from 'fastify';
import type { AuthSettings } from './auth/keys.js';
import type { RateLimitSettings, StreamSettings } from './config.js';
import auth from './plugins/app/auth.js';
import bus from './plugins/app/bus.js';
import draining from './plugins/app/draining.js';
import errors from './plugins/app/errors.js';
import jetstream from './plugins/app/jetstream.js';
import liveStreams from './plugins/app/live-streams.js';
import metrics from './plugins/app/metrics.js';
import tickets from './plugins/app/tickets.js';
import cors from './plugins/external/cors.js';
import formbody from './plugins/external/formbody.js';
import helmet from './plugins/external/helmet.js';
import rateLimit from './plugins/external/rate-limit.js';
import swagger from './plugins/external/swagger.js';
import adminClasses from './routes/admin-classes/index.js';
import adminUsers from './routes/admin-users/index.js';
import broadcast from './routes/broadcast/index.js';
import group from './routes/group/index.js';
import health from './routes/health/index.js';
import notificationRead from './routes/notification-read/index.js';
import notificationTickets from './routes/notification-tickets/index.js';
import notificationsStream from './routes/notifications-stream/index.js';
import org from './routes/org/index.js';
import signature from './routes/signature/index.js';

export interface AppOptions {
  nc: NatsConnection;
  requestTimeoutMs: number;
  auth: AuthSettings;
  rateLimit: RateLimitSettings;
  corsOrigins: string[];
  streams: StreamSettings;
}

/**
 * The gateway as a plugin: external plugins, then ours, then the routes. The process file
 * (`main.ts`) builds the Fastify instance around it; tests do the same with `inject`.
 * Authentication and the rate limit come before the routes, so that they see them all (auth
 * documents 401/403/429 on each); the rate limit after auth, so that it can count by caller.
 * `/metrics` comes earlier: public, and never rate-limited (scrapers come from one address).
 */
export async function app(instance: FastifyInstance, options: AppOptions): Promise<void> {
  await instance.register(draining);
  await instance.register(errors);
  await instance.register(metrics);
  await instance.register(auth, { settings: options.auth });
  await instance.register(helmet);
  await instance.register(cors, { origins: options.corsOrigins });
  await instance.register(rateLimit, options.rateLimit);
  await instance.register(formbody);
  await instance.register(swagger);
  await instance.register(bus, { nc: options.nc, requestTimeoutMs: options.requestTimeoutMs });
  await instance.register(jetstream);
  await instance.register(liveStreams, options.streams);
  await instance.register(tickets, {
    ttlS: options.streams.ticketTtlS,
    replicas: options.streams.replicas,
    requestTimeoutMs: options.requestTimeoutMs,
  });
  await instance.register(health);
  await instance.register(signature);
  await instance.register(broadcast);
  await instance.register(notificationsStream);
  await instance.register(notificationTickets);
  await instance.register(notificationRead);
  await instance.register(adminClasses);
  await instance.register(group);
  await instance.register(org);
  await instance.register(adminUsers);
}
