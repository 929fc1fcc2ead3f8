import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  ErrorBody,
  FIELD_RULES,
  invalidParameter,
  NotificationReadPathParams,
  NotificationStreamQuery,
} from '@im/contracts';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { NotificationStream } from '../../live/notification-stream.js';
import type { OpenStream } from '../../live/open-streams.js';
import { EVENT_STREAM_TYPE, SseWriter } from '../../live/sse-writer.js';
import { notificationSource } from './notification-source.js';
import { ticketAuth } from './ticket-auth.js';

const StreamPathParams = Type.Object(
  { client_id: NotificationReadPathParams.properties.client_id },
  { additionalProperties: false },
);
const StreamHeaders = Type.Object({
  'last-event-id': Type.Optional(
    Type.String({
      pattern: NotificationStreamQuery.properties.last_event_id.pattern,
      description: 'the `id:` of the last event received (EventSource sends it when it reconnects)',
    }),
  ),
});
const EventStream = {
  description:
    'Server-Sent Events: `event: notification`, `id:` the seq, `data:` the notification as JSON ' +
    '(the fields of GET …/notifications); a `: ping` comment every STREAM_PING_MS. docs/live.md',
  content: { [EVENT_STREAM_TYPE.split(';')[0]!]: { schema: Type.String() } },
};

/**
 * How a stream's request is logged (request lines are logged at debug): without its query, which
 * may hold a ticket, a credential until it is used. Percent-escapes can spell `ticket` in more
 * ways than a pattern would catch, so the whole query goes.
 */
function loggedRequest(request: FastifyRequest) {
  const query = request.url.indexOf('?');
  return {
    method: request.method,
    url: query === -1 ? request.url : `${request.url.slice(0, query)}?[redacted]`,
    remoteAddress: request.ip,
  };
}

/**
 * Where a stream resumes: after the Last-Event-ID header (what EventSource sends on its own
 * reconnects, so newer than a `last_event_id` left in the URL), else after the query's; neither:
 * from now on. Both are digits by their schema, but only safe integers are seqs.
 */
function cursorOf(header: string | undefined, query: string | undefined): number | undefined {
  const [field, text] = header !== undefined ? ['last-event-id', header] : ['last_event_id', query];
  if (text === undefined) return undefined;
  const seq = Number(text);
  if (!Number.isSafeInteger(seq)) throw invalidParameter(field, FIELD_RULES[field] ?? 'is invalid');
  return seq;
}

/**
 * `GET /im/user/<client_id>/notifications/stream`: a student's notifications as Server-Sent
 * Events (docs/live.md). Until the broadcast service's first answer, every failure is the usual
 * JSON error (a 403 comes from there: it decides who may read the inbox); only then is the
 * response taken over from Fastify and the 200 head written, with the headers every answer gets.
 */
const notificationsStream: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/im/user/:client_id/notifications/stream',
    {
      onRequest: ticketAuth,
      logSerializers: { req: loggedRequest },
      schema: {
        tags: ['notifications'],
        summary: "A student's notifications, live (Server-Sent Events); `?ticket=` in place of a token",
        params: StreamPathParams,
        querystring: NotificationStreamQuery,
        headers: StreamHeaders,
        response: {
          200: EventStream,
          400: ErrorBody,
          503: ErrorBody,
          504: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const { client_id: clientId } = request.params;
      if (request.query.ticket !== undefined && request.headers.authorization !== undefined) {
        throw invalidParameter('ticket', 'send a ticket or a bearer token, not both');
      }
      const after = cursorOf(request.headers['last-event-id'], request.query.last_event_id);

      const streams = app.openStreams;
      streams.reserve();
      const live = new NotificationStream(notificationSource(request, clientId), request.log);
      try {
        await live.open(after);
      } catch (error) {
        streams.release();
        throw error;
      }

      reply.hijack();
      const headers = { ...reply.getHeaders(), 'x-request-id': request.id };
      const writer = new SseWriter(reply.raw, headers, app.draining);
      const open: OpenStream = {
        expiresAt: request.credentialExpiresAt,
        ping: () => writer.comment('ping'),
        end: () => {
          live.close();
          writer.end();
        },
        resync: () => live.resync(),
      };
      writer.onClose(() => {
        live.close();
        streams.release(open);
      });
      // A HEAD request has its answer with the head; a stream held open would hold its connection.
      if (request.method === 'HEAD' || !streams.add(open)) {
        open.end();
        return;
      }
      live.start({
        notification: (seq, json) => writer.event('notification', seq, json),
        end: () => writer.end(),
      });
    },
  );
};

export default notificationsStream;
