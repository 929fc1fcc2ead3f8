import { headerValue } from '@im/bus';
import { type AppError, type Caller, ErrorBody, forbidden, isService, unauthenticated } from '@im/contracts';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AuthSettings } from '../../auth/keys.js';
import { createTokenVerifier, TokenRejected } from '../../auth/verifier.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Answered without a token: health, readiness, metrics, the docs. */
    public?: boolean;
  }
  interface FastifyRequest {
    /** The verified caller; null without a (valid) token. */
    caller: Caller | null;
    /** Its `Im-Caller` header value, for the services (encoded once per token). */
    callerHeader: string | undefined;
    /** When the caller's credential expires (epoch ms): a live stream ends then. */
    credentialExpiresAt: number | undefined;
    /** Why the token was refused, or undefined when none was sent. */
    authProblem: string | undefined;
    /**
     * A route's own credential in place of a token, refused (a used stream ticket): answered as
     * it is when no token made a caller. Set by a route's onRequest hook, before the rate limit.
     */
    authRefusal: AppError | undefined;
  }
}

export interface AuthPluginOptions {
  settings: AuthSettings;
}

const REALM = 'Bearer realm="im"';

/**
 * Bearer tokens (RFC 6750). Two steps, so that the per-caller rate limit (a route hook, which runs
 * between them) can count by caller and still count refused requests by address:
 * `onRequest` verifies whatever token came, `preParsing` refuses non-public routes without a
 * caller, before any body is read. Unknown routes answer 404/405 without a token: the docs list
 * every route anyway, and nothing is reached behind them.
 */
export default fp<AuthPluginOptions>(
  async (app, { settings }) => {
    const verify = createTokenVerifier(settings);
    app.decorateRequest('caller', null);
    app.decorateRequest('callerHeader', undefined);
    app.decorateRequest('credentialExpiresAt', undefined);
    app.decorateRequest('authProblem', undefined);
    app.decorateRequest('authRefusal', undefined);

    app.addHook('onRequest', (request, _reply, done) => {
      const header = request.headers.authorization;
      if (header === undefined) return done();
      // The scheme is case-insensitive (RFC 7235); anything but Bearer counts as no token at all.
      if (header.length < 7 || header.slice(0, 7).toLowerCase() !== 'bearer ') return done();
      try {
        const { caller, header: encoded, expiresAt } = verify(header.slice(7).trim());
        request.caller = caller;
        request.callerHeader = encoded;
        request.credentialExpiresAt = expiresAt;
      } catch (error) {
        if (!(error instanceof TokenRejected)) return done(error as Error);
        request.authProblem = error.message;
      }
      done();
    });

    app.addHook('preParsing', (request, reply, payload, done) => {
      if (request.caller !== null || request.is404 || request.routeOptions.config.public) {
        return done(null, payload);
      }
      if (request.authRefusal) return done(request.authRefusal);
      const problem = request.authProblem;
      if (problem === undefined) {
        reply.header('www-authenticate', REALM);
        return done(unauthenticated('authorization', 'a bearer token is required'));
      }
      // RFC 6750 §3: the description is a quoted string of printable ASCII; whatever a reason
      // repeats (a claim's rule) cannot end the string, the header or the line.
      const description = headerValue(problem);
      reply.header('www-authenticate', `${REALM}, error="invalid_token", error_description="${description}"`);
      return done(unauthenticated('authorization', problem));
    });

    // What every protected route may also answer, for the docs and the serializer: the scheme,
    // and the 401 / 403 / 429 bodies.
    app.addHook('onRoute', (route) => {
      if (route.config?.public || !route.schema) return;
      route.schema = {
        ...route.schema,
        security: [{ bearerAuth: [] }],
        response: { 401: ErrorBody, 403: ErrorBody, 429: ErrorBody, ...(route.schema.response as object) },
      };
    });
  },
  { name: 'auth', dependencies: ['errors'] },
);

/** Directory admin routes: they publish events as the directory itself, so only a service may. */
export async function requireService(request: FastifyRequest): Promise<void> {
  if (request.caller && isService(request.caller)) return;
  throw forbidden('authorization', 'directory admin endpoints take a service token');
}
