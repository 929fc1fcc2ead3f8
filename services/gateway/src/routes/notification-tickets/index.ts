import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  ErrorBody,
  forbidden,
  isSelf,
  isService,
  NotificationReadPathParams,
  StreamTicketReply,
} from '@im/contracts';
import { Type } from '@sinclair/typebox';

const TicketPathParams = Type.Object(
  { client_id: NotificationReadPathParams.properties.client_id },
  { additionalProperties: false },
);

/**
 * `POST /im/user/<client_id>/notifications/tickets`: a single-use ticket for that client's
 * stream, for browsers, whose EventSource cannot send a token (docs/live.md). The ticket is the
 * gateway's own data, so the gateway decides who may take one: the client itself, or a service.
 */
const notificationTickets: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/im/user/:client_id/notifications/tickets',
    {
      schema: {
        tags: ['notifications'],
        summary: 'A single-use ticket for the stream, valid STREAM_TICKET_TTL_S seconds (at most 60)',
        params: TicketPathParams,
        response: { 201: StreamTicketReply, 400: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) => {
      const { client_id: clientId } = request.params;
      // The auth plugin let no request without a caller get here.
      const caller = request.caller!;
      if (!isSelf(caller, clientId) && !isService(caller)) {
        throw forbidden('client_id', "a ticket opens the client's own stream: take it as that client");
      }
      const ticket = await app.tickets.issue(clientId, request.callerHeader!, request.credentialExpiresAt!);
      if (app.draining) reply.header('connection', 'close');
      return reply.code(201).header('x-request-id', request.id).send(ticket);
    },
  );
};

export default notificationTickets;
