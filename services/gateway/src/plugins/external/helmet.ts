import type { IncomingMessage, ServerResponse } from 'node:http';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route's own security-header policy, in helmet's options (the docs page has one). */
    helmet?: HelmetOptions;
  }
}

/**
 * The JSON API: nothing may load from it or frame it, and no answer (a signature!) is cached.
 * Headers that only matter to HTML pages in old browsers are left out: bytes on every answer.
 */
const API_HELMET: HelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  },
  xFrameOptions: { action: 'deny' },
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
};
const API_EXTRA = { 'cache-control': 'no-store' };

/**
 * The docs page, swagger-ui: its own scripts, styles (some inline) and images (data: URIs), and
 * "Try it out" calls to this origin. No upgrade-insecure-requests: a developer's gateway is plain
 * HTTP, and upgraded requests to it would fail.
 */
export const DOCS_HELMET: HelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      frameAncestors: ["'none'"],
    },
  },
};

/** The headers helmet sets for these options, found once by running it against a recording response. */
export function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string | number) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, () => {});
  return headers;
}

/**
 * Security headers on every answer, as helmet computes them. @fastify/helmet rebuilds helmet's
 * middleware for every request (about a tenth of the gateway's CPU under load, measured); the
 * headers depend on the options alone, so they are computed once per policy and copied on.
 */
export default fp(
  async (app) => {
    const api: Record<string, string> = { ...helmetHeaders(API_HELMET), ...API_EXTRA };
    const byPolicy = new WeakMap<HelmetOptions, Record<string, string>>();
    app.addHook('onRequest', (request, reply, done) => {
      const policy = request.routeOptions.config.helmet;
      let headers = api;
      if (policy) {
        headers = byPolicy.get(policy) ?? helmetHeaders(policy);
        byPolicy.set(policy, headers);
      }
      reply.headers(headers);
      done();
    });
  },
  { name: 'helmet' },
);
