import type { FastifyReply, FastifyRequest } from 'fastify';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The whole of a route's work: one NATS request, and the service's JSON reply sent on as it came,
 * without parsing and re-serializing it. An error goes to the one error handler. Callback-based
 * on purpose (no promise or async function per request): routes call it and return nothing, and
 * Fastify waits for the reply to be sent.
 */
export function forward(
  request: FastifyRequest,
  reply: FastifyReply,
  subject: string,
  payload: unknown,
  status = 200,
): void {
  request.server.bus.send(
    subject,
    Buffer.from(JSON.stringify(payload)),
    request.id,
    request.callerHeader,
    (error, bytes) => {
      if (error) {
        reply.send(error);
        return;
      }
      if (request.server.draining) reply.header('connection', 'close');
      reply
        .code(status)
        .header('content-type', JSON_TYPE)
        .header('x-request-id', request.id)
        .send(Buffer.from(bytes!.buffer, bytes!.byteOffset, bytes!.byteLength));
    },
  );
}
