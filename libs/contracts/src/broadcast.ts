import { type Static, Type } from '@sinclair/typebox';
import { ClassId, ClassOrganizationId, StudentUids } from './directory-classes.js';
import { Id } from './fields.js';
import { PageQuery } from './paging.js';

/** Requests answered by the broadcast service (`im-broadcast`). */
export const BroadcastSubjects = {
  push: 'im.broadcast.push',
  classPushes: 'im.broadcast.class_pushes',
  pushRecipients: 'im.broadcast.push_recipients',
  /** A student's notifications after a cursor (notifications.ts): what a live stream replays. */
  notificationsSince: 'im.broadcast.notifications_since',
  markNotificationRead: 'im.broadcast.mark_notification_read',
} as const;

/** Events on Streams.classEvents (IM_CLASS_EVENTS). */
export const ClassEventSubjects = {
  message: 'im.events.class.message',
} as const;

export const PUSH_MESSAGE_MAX_LENGTH = 2_000;
/**
 * And at most this many bytes as JSON: a notifications page (up to 100 of them) must fit one NATS
 * reply. 2,000 characters of CJK text take about 6,000; 2,000 control characters, escaped, 12,000.
 */
export const PUSH_MESSAGE_MAX_BYTES = 8_192;

const PushMessage = Type.String({
  maxLength: PUSH_MESSAGE_MAX_LENGTH,
  description: 'text shown to the students; empty when none was given',
});

/** `POST /im/org/<class_id>/message`: the optional body. */
export const PushClassMessageBody = Type.Object(
  { message: Type.Optional(PushMessage) },
  { additionalProperties: false },
);
export type PushClassMessageBody = Static<typeof PushClassMessageBody>;

export const PushClassMessageRequest = Type.Object(
  { class_id: ClassId, message: Type.Optional(PushMessage) },
  { additionalProperties: false },
);
export type PushClassMessageRequest = Static<typeof PushClassMessageRequest>;

export const PushClassMessageReply = Type.Object({
  class_id: Type.Integer(),
  push_history_record_id: Type.Integer(),
});
export type PushClassMessageReply = Static<typeof PushClassMessageReply>;

export const ClassPushesRequest = Type.Object(
  { class_id: ClassId, ...PageQuery.properties },
  { additionalProperties: false },
);
export type ClassPushesRequest = Static<typeof ClassPushesRequest>;

export const ClassPush = Type.Object({
  push_history_record_id: Type.Integer(),
  class_id: Type.Integer(),
  organization_id: Type.Integer(),
  day: Type.String({ description: 'YYYY-MM-DD in PUSH_TIMEZONE: the once-a-day key' }),
  pushed_at: Type.String({ description: 'ISO 8601 instant' }),
  message: Type.String(),
  recipient_count: Type.Integer({
    description: 'recipients as they were at the push; list them with GET …/pushes/<id>/recipients',
  }),
  delivered_count: Type.Integer({ description: 'deliveries written so far' }),
  read_count: Type.Integer({ description: 'recipients who have marked it read' }),
  event_sent: Type.Boolean({ description: 'the class-message event has reached the stream' }),
});
export type ClassPush = Static<typeof ClassPush>;

export const ClassPushesReply = Type.Object({ total_count: Type.Integer(), data: Type.Array(ClassPush) });
export type ClassPushesReply = Static<typeof ClassPushesReply>;

export const PushRecordId = Type.Integer({
  minimum: 1,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'push_history_record_id of a push of this class',
});

/** `GET /im/class/<class_id>/pushes/<push_history_record_id>/recipients`: the path. */
export const PushRecipientsPathParams = Type.Object(
  { class_id: ClassId, push_history_record_id: PushRecordId },
  { additionalProperties: false },
);
export type PushRecipientsPathParams = Static<typeof PushRecipientsPathParams>;

export const PushRecipientsRequest = Type.Object(
  { ...PushRecipientsPathParams.properties, ...PageQuery.properties },
  { additionalProperties: false },
);
export type PushRecipientsRequest = Static<typeof PushRecipientsRequest>;

export const PushRecipient = Type.Object({
  client_id: Type.String({ description: 'a student of the class at the time of the push' }),
  delivered_at: Type.Union([Type.String(), Type.Null()], {
    description: 'ISO 8601 instant of the delivery record; null while not yet written',
  }),
});
export type PushRecipient = Static<typeof PushRecipient>;

export const PushRecipientsReply = Type.Object({
  total_count: Type.Integer({ description: 'recipients of the push' }),
  data: Type.Array(PushRecipient, { description: 'in the order of the class roster at the push' }),
});
export type PushRecipientsReply = Static<typeof PushRecipientsReply>;

export const UserNotificationsRequest = Type.Object(
  { client_id: Id('the student client id'), ...PageQuery.properties },
  { additionalProperties: false },
);
export type UserNotificationsRequest = Static<typeof UserNotificationsRequest>;

export const UserNotification = Type.Object({
  push_history_record_id: Type.Integer(),
  class_id: Type.Integer(),
  organization_id: Type.Integer(),
  message: Type.String(),
  pushed_at: Type.String({ description: 'ISO 8601 instant' }),
  delivered_at: Type.String({ description: 'ISO 8601 instant' }),
  read_at: Type.Union([Type.String(), Type.Null()], {
    description: 'ISO 8601 instant of the first read mark; null until read',
  }),
});
export type UserNotification = Static<typeof UserNotification>;

export const UserNotificationsReply = Type.Object({
  total_count: Type.Integer(),
  unread_count: Type.Integer({ description: 'of all its notifications, those not marked read' }),
  data: Type.Array(UserNotification),
});
export type UserNotificationsReply = Static<typeof UserNotificationsReply>;

/**
 * `im.events.class.message`: one push, recipients inline (2,000 ids are ~50 KB, far under NATS's
 * 1 MB default max_payload). A roster over `listByteBudget(max_payload)` bytes is refused before
 * a push is recorded (413), so every recorded push's event fits one message.
 */
export const ClassMessageEvent = Type.Object(
  {
    event_id: Type.String({ minLength: 1, maxLength: 128 }),
    push_id: Type.Integer({ minimum: 1 }),
    class_id: ClassId,
    organization_id: ClassOrganizationId,
    student_uids: StudentUids,
    message: PushMessage,
    day: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
    pushed_at: Type.String({ minLength: 1, description: 'ISO 8601 instant' }),
  },
  { additionalProperties: false },
);
export type ClassMessageEvent = Static<typeof ClassMessageEvent>;
