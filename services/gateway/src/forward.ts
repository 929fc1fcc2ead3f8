import type { FastifyReply, FastifyRequest } from 'fastify';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The whole of a route's work: one NATS request, and the service's JSON reply sent on as it came,
 * without parsing and re-serializing it. Errors reject and reach the one error handler.
 */
export async function forward(
  request: FastifyRequest,
  reply: FastifyReply,
  subject: string,
  payload: unknown,
  status = 200,
): Promise<void> {
  const bytes = await request.server.bus.request(
    subject,
    Buffer.from(JSON.stringify(payload)),
    request.id,
    request.callerHeader,
  );
  if (request.server.draining) reply.header('connection', 'close');
  reply
    .code(status)
    .header('content-type', JSON_TYPE)
    .header('x-request-id', request.id)
    .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
