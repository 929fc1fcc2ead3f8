import { loggableError } from '@im/bus';
import { AppError, ErrorCode, fieldOf, invalidParameter, ruleFor, safeText } from '@im/contracts';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import FindMyWay from 'find-my-way';

/**
 * `GET /im/group`: the `request` field of every error body. The path is whatever the client
 * sent (percent-escapes and all): made safe and cut short like any text that repeats input.
 */
export function requestLabel(request: FastifyRequest): string {
  const url = request.url;
  const query = url.indexOf('?');
  return safeText(`${request.method} ${query === -1 ? url : url.slice(0, query)}`);
}

/** Fastify's own errors (parsing, limits, validation) in our error family. */
export function fromFastifyError(error: FastifyError): AppError | undefined {
  if (error instanceof AppError) return error;
  if (error.validation && error.validation.length > 0) {
    const first = error.validation[0]!;
    const params = first.params as { missingProperty?: string; additionalProperty?: string } | undefined;
    if (params?.additionalProperty !== undefined) {
      const where = fieldOf(first.instancePath);
      const name = where === 'body' ? params.additionalProperty : `${where}.${params.additionalProperty}`;
      return invalidParameter(name, 'is not a field of this request');
    }
    const missing = params?.missingProperty;
    const field = missing ?? fieldOf(first.instancePath);
    const rule = missing ? 'is required' : ruleFor(field, first.message ?? 'is invalid');
    return invalidParameter(field === 'body' ? (error.validationContext ?? 'body') : field, rule);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError(ErrorCode.PayloadTooLarge, 'body: larger than the gateway accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(ErrorCode.UnsupportedMediaType, 'body: send application/json or form data');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return invalidParameter('body', 'must be valid JSON');
  }
  if (error instanceof SyntaxError || error.statusCode === 400)
    return invalidParameter('body', error.message);
  if (error.statusCode === 413) return new AppError(ErrorCode.PayloadTooLarge, 'body: too large');
  return undefined;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * One error handler for the whole gateway: every error leaves as `{error_code, msg, request}`
 * with the status of its code. Unexpected errors are logged and leave as a bare 500.
 * Unknown routes are a 404, and a known path with the wrong method a 405 with `Allow`.
 */
export default fp(
  async (app) => {
    const router = FindMyWay({ ignoreTrailingSlash: true, maxParamLength: 16_384 });
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) {
        if (method !== 'HEAD' && !router.hasRoute(method as 'GET', route.url)) {
          router.on(method as 'GET', route.url, () => {});
        }
      }
    });

    const send = (request: FastifyRequest, reply: FastifyReply, error: AppError) => {
      if (request.server.draining) reply.header('connection', 'close');
      // Every 401 says how to authenticate (RFC 7235), also one a service answered.
      if (error.status === 401 && !reply.hasHeader('www-authenticate')) {
        reply.header('www-authenticate', 'Bearer realm="im"');
      }
      return reply
        .code(error.status)
        .header('x-request-id', request.id)
        .send(error.toBody(requestLabel(request)));
    };

    app.setErrorHandler((error: FastifyError, request, reply) => {
      const known = fromFastifyError(error);
      if (known) {
        if (known.status >= 500) request.log.warn({ code: known.code, err: known.message }, 'request failed');
        return send(request, reply, known);
      }
      // A library's message may repeat input: logged made safe, never as it came.
      request.log.error({ err: loggableError(error) }, 'unhandled error');
      return send(request, reply, new AppError(ErrorCode.ServerError, 'internal error'));
    });

    app.setNotFoundHandler((request, reply) => {
      const path = request.url.split('?')[0] ?? '/';
      const allowed = METHODS.filter((method) => router.find(method, path) !== null);
      if (allowed.length > 0) {
        reply.header('allow', allowed.join(', '));
        return send(
          request,
          reply,
          new AppError(
            ErrorCode.MethodNotAllowed,
            `method ${request.method} not allowed; use ${allowed.join(', ')}`,
          ),
        );
      }
      return send(
        request,
        reply,
        new AppError(ErrorCode.NotFound, `route ${requestLabel(request)} not found`),
      );
    });
  },
  { name: 'errors' },
);
