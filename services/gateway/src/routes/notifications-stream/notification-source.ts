import { BroadcastSubjects, liveNotificationSubject, type NotificationsSinceRequest } from '@im/contracts';
import type { FastifyRequest } from 'fastify';
import { decodeSinceReply } from '../../live/notification-payloads.js';
import type { NotificationSource } from '../../live/notification-stream.js';

/**
 * Where one stream's notifications come from: the student's live subject (a core NATS
 * subscription; liveNotificationSubject encodes the id, which may hold `.`, `*` or `>`) and the
 * broadcast service's `notifications_since`, asked as the stream's caller, so that the service
 * decides who may read whose inbox, at the first read and at every later one.
 */
export function notificationSource(request: FastifyRequest, clientId: string): NotificationSource {
  const { nc, bus } = request.server;
  const subject = liveNotificationSubject(clientId);
  return {
    subscribe: (onMessage, onError) =>
      nc.subscribe(subject, {
        callback: (error, msg) => (error ? onError(error) : onMessage(msg.data)),
      }),
    since: async (after) => {
      const asked: NotificationsSinceRequest =
        after === undefined ? { client_id: clientId } : { client_id: clientId, after };
      const reply = await bus.request(
        BroadcastSubjects.notificationsSince,
        Buffer.from(JSON.stringify(asked)),
        request.id,
        request.callerHeader,
      );
      return decodeSinceReply(reply);
    },
  };
}
