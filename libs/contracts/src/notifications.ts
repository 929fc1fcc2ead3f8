import { Buffer } from 'node:buffer';
import { type Static, Type } from '@sinclair/typebox';
import { UserNotification } from './broadcast.js';
import type { StudentDelivery } from './deliveries.js';
import { Id } from './fields.js';

/**
 * Live notifications (docs/live.md). Every notification a student gets has a `seq`: its place in
 * the order the student's inbox received it (1, 2, 3, …, no gaps), assigned by the inbox's own
 * write. It is the stream's cursor (the SSE `id:`), not a push id: two pushes whose fan-outs finish
 * out of order reach a student in the order of `seq`, and "everything after seq n" is exact.
 */

/** Core NATS subject prefix of live notifications; one subject per student below it. */
export const LIVE_NOTIFICATIONS_PREFIX = 'im.live.notifications';

/**
 * The live subject of one student. A client id may hold `.`, `*`, `>` or spaces, so it is never
 * a subject token itself: base64url of its UTF-8 bytes (letters, digits, `-`, `_`) is.
 */
export function liveNotificationSubject(clientId: string): string {
  return `${LIVE_NOTIFICATIONS_PREFIX}.${Buffer.from(clientId, 'utf8').toString('base64url')}`;
}

/** A position in a student's inbox order: 1 for the first notification it received. */
export const NotificationSeq = Type.Integer({
  minimum: 1,
  maximum: Number.MAX_SAFE_INTEGER,
  description: "the notification's place in the order this student received them",
});

/** One notification with its cursor: the live message's payload and one replayed entry. */
export const SequencedNotification = Type.Object(
  { seq: NotificationSeq, notification: UserNotification },
  { additionalProperties: false },
);
export type SequencedNotification = Static<typeof SequencedNotification>;

/**
 * A delivery as a notification item (GET /im/user/<id>/notifications, the live message, a replayed
 * entry): the one mapping, used by the workers for live messages and by the broadcast service.
 */
export function userNotificationOf(delivery: StudentDelivery): UserNotification {
  return {
    push_history_record_id: delivery.push_id,
    class_id: delivery.class_id,
    organization_id: delivery.organization_id,
    message: delivery.message,
    pushed_at: delivery.pushed_at,
    delivered_at: delivery.delivered_at,
    read_at: delivery.read_at,
  };
}

/** Most notifications one replay reply holds (each message is ≤ 8 KB: far under max_payload). */
export const MAX_REPLAY_PAGE = 50;

/**
 * `im.broadcast.notifications_since`: the notifications a student got after `after`, oldest first,
 * at most MAX_REPLAY_PAGE; without `after`, none, only where the inbox stands (a stream that
 * starts live). The same rule as the notifications list: that student itself or a service.
 */
export const NotificationsSinceRequest = Type.Object(
  {
    client_id: Id('the student client id'),
    after: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: Number.MAX_SAFE_INTEGER,
        description: 'a seq; 0 for from the start',
      }),
    ),
  },
  { additionalProperties: false },
);
export type NotificationsSinceRequest = Static<typeof NotificationsSinceRequest>;

export const NotificationsSinceReply = Type.Object(
  {
    /** The inbox's newest seq now (0: none yet). A cursor beyond it counts as this. */
    last_seq: Type.Integer({ minimum: 0 }),
    items: Type.Array(SequencedNotification, { maxItems: MAX_REPLAY_PAGE, description: 'by seq' }),
    /** More after the last item: ask again after it. */
    more: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type NotificationsSinceReply = Static<typeof NotificationsSinceReply>;

/** `PUT /im/user/<client_id>/notifications/<push_history_record_id>/read`: the path. */
export const NotificationReadPathParams = Type.Object(
  {
    client_id: Id('the student client id'),
    push_history_record_id: Type.Integer({
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'push_history_record_id of one of its notifications',
    }),
  },
  { additionalProperties: false },
);
export type NotificationReadPathParams = Static<typeof NotificationReadPathParams>;

/** `im.broadcast.mark_notification_read`: the request is the path; the reply says what is stored. */
export const MarkNotificationReadRequest = NotificationReadPathParams;
export type MarkNotificationReadRequest = Static<typeof MarkNotificationReadRequest>;

export const MarkReadReply = Type.Object(
  {
    read_at: Type.String({ description: 'ISO 8601 instant of the first read mark' }),
    /** This call made the mark (false: it was there already, and stays). */
    first: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type MarkReadReply = Static<typeof MarkReadReply>;

/** `POST /im/user/<client_id>/notifications/tickets`: 201. */
export const StreamTicketReply = Type.Object(
  {
    ticket: Type.String({ description: 'single-use; `?ticket=` on the stream URL in place of a token' }),
    expires_in: Type.Integer({ minimum: 1, maximum: 60, description: 'seconds it stays valid' }),
  },
  { additionalProperties: false },
);
export type StreamTicketReply = Static<typeof StreamTicketReply>;

/** `GET /im/user/<client_id>/notifications/stream`: the query. */
export const NotificationStreamQuery = Type.Object(
  {
    ticket: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'from POST …/tickets' })),
    last_event_id: Type.Optional(
      Type.String({
        pattern: '^(0|[1-9][0-9]{0,15})$',
        description: 'the last `id:` seen, when the Last-Event-ID header cannot be set',
      }),
    ),
  },
  { additionalProperties: false },
);
export type NotificationStreamQuery = Static<typeof NotificationStreamQuery>;
