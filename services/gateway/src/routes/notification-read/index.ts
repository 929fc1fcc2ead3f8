import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { BroadcastSubjects, ErrorBody, NotificationReadPathParams } from '@im/contracts';
import { Type } from '@sinclair/typebox';

/** 204 answers carry no body. */
const NoContent = Type.Null();

/**
 * `PUT /im/user/<client_id>/notifications/<push_history_record_id>/read`: marks one notification
 * read. Idempotent: the first mark's time stays, a repeat is another 204. The broadcast service
 * decides who may (the student itself, or a service) and answers what it stored, which this
 * route does not repeat: a mark answers an empty 204, as the deletes of groups do.
 */
const notificationRead: FastifyPluginAsyncTypebox = async (app) => {
  app.put(
    '/im/user/:client_id/notifications/:push_history_record_id/read',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Mark a notification read (idempotent: the first read_at stays)',
        params: NotificationReadPathParams,
        response: { 204: NoContent, 400: ErrorBody, 404: ErrorBody, 503: ErrorBody, 504: ErrorBody },
      },
    },
    async (request, reply) => {
      await app.bus.request(
        BroadcastSubjects.markNotificationRead,
        Buffer.from(JSON.stringify(request.params)),
        request.id,
        request.callerHeader,
      );
      if (app.draining) reply.header('connection', 'close');
      return reply.code(204).header('x-request-id', request.id).send(null);
    },
  );
};

export default notificationRead;
