import { invalidParameter } from '@im/contracts';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { requestLabel } from './plugins/app/errors.js';

/**
 * Errors Fastify raises before a route is chosen (FST_ERR_BAD_URL: a path whose percent-encoding
 * is not valid UTF-8, such as `%ff` or a lone `%`), answered in the API's error shape rather than
 * Fastify's own `{"error":"Bad Request",…}`. For Fastify's `frameworkErrors` option.
 */
export function frameworkErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const refusal =
    error.code === 'FST_ERR_BAD_URL'
      ? invalidParameter('path', 'is not valid percent-encoded UTF-8')
      : invalidParameter('request', 'cannot be routed');
  reply
    .code(refusal.status)
    .header('x-request-id', request.id)
    .header('cache-control', 'no-store')
    .send(refusal.toBody(requestLabel(request)));
}
