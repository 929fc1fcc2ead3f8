import { type Static, Type } from '@sinclair/typebox';
import { Id } from './fields.js';
import { MAX_REPLAY_PAGE, MarkReadReply } from './notifications.js';
import { MAX_PER_PAGE } from './paging.js';

/**
 * Reads of the deliveries (one record per push and student), answered by the workers, who write
 * them and own their collection: nobody else opens it. A student's inbox is asked by the gateway
 * (its route's request and reply); the rest by the broadcast service only (a push's progress, the
 * live replay, read marks), which decides first who may see them.
 */
export const DeliverySubjects = {
  /**
   * A student's notifications, newest push first, a page at a time, with their totals: the one
   * subject the gateway asks the workers (`GET /im/user/<id>/notifications`), for that student or
   * a service; the reply is the route's.
   */
  userNotifications: 'im.deliveries.user_notifications',
  /** How many deliveries each of some pushes has so far. */
  countsForPushes: 'im.deliveries.counts_for_pushes',
  /** When each of some students got their copy of one push. */
  deliveredAt: 'im.deliveries.delivered_at',
  /** A student's deliveries after a cursor, in the order its inbox received them. */
  since: 'im.deliveries.since',
  /** Marks one delivery read; the first mark stays. */
  markRead: 'im.deliveries.mark_read',
} as const;

/**
 * The workers as they announce themselves in `$SRV`. Not among `ServiceNames`: the gateway asks
 * them only for inboxes, and its readiness does not wait for them (README, "Architecture").
 */
export const WORKERS_SERVICE_NAME = 'im-workers';

/**
 * Most pushes or students one look-up names: a page of the list it serves (MAX_PER_PAGE). It keeps
 * every request and reply far under `max_payload` (100 ids of 64 characters are under 40 KB).
 */
export const MAX_DELIVERY_LOOKUP = MAX_PER_PAGE;

const PushId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'push id' });
const Instant = (description: string) =>
  Type.String({ minLength: 1, description: `ISO 8601 instant: ${description}` });

/** One student's copy of one push, as the workers wrote it from the class-message event. */
export const StudentDelivery = Type.Object(
  {
    push_id: PushId,
    class_id: Type.Integer(),
    organization_id: Type.Integer(),
    message: Type.String(),
    pushed_at: Instant('when the push was recorded'),
    delivered_at: Instant('when this delivery was written'),
    read_at: Type.Union([Instant('when the student first marked it read'), Type.Null()]),
  },
  { additionalProperties: false },
);
export type StudentDelivery = Static<typeof StudentDelivery>;

export const DeliveryCountsRequest = Type.Object(
  { push_ids: Type.Array(PushId, { maxItems: MAX_DELIVERY_LOOKUP }) },
  { additionalProperties: false },
);
export type DeliveryCountsRequest = Static<typeof DeliveryCountsRequest>;

export const DeliveryCount = Type.Object(
  {
    push_id: PushId,
    delivered_count: Type.Integer({ minimum: 0 }),
    read_count: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type DeliveryCount = Static<typeof DeliveryCount>;

/** One entry per push asked about, in the order asked (0 for a push with no delivery yet). */
export const DeliveryCountsReply = Type.Object(
  { counts: Type.Array(DeliveryCount, { maxItems: MAX_DELIVERY_LOOKUP }) },
  { additionalProperties: false },
);
export type DeliveryCountsReply = Static<typeof DeliveryCountsReply>;

export const DeliveredAtRequest = Type.Object(
  {
    push_id: PushId,
    student_uids: Type.Array(Id('a student client id'), { maxItems: MAX_DELIVERY_LOOKUP }),
  },
  { additionalProperties: false },
);
export type DeliveredAtRequest = Static<typeof DeliveredAtRequest>;

export const StudentDeliveredAt = Type.Object(
  { student_uid: Type.String(), delivered_at: Instant('when this delivery was written') },
  { additionalProperties: false },
);
export type StudentDeliveredAt = Static<typeof StudentDeliveredAt>;

/** Only the students whose delivery is written; one missing has none yet. */
export const DeliveredAtReply = Type.Object(
  { deliveries: Type.Array(StudentDeliveredAt, { maxItems: MAX_DELIVERY_LOOKUP }) },
  { additionalProperties: false },
);
export type DeliveredAtReply = Static<typeof DeliveredAtReply>;

export const DeliveriesSinceRequest = Type.Object(
  {
    student_uid: Id('the student client id'),
    after: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  },
  { additionalProperties: false },
);
export type DeliveriesSinceRequest = Static<typeof DeliveriesSinceRequest>;

/** A delivery with its seq: its place in the order the student's inbox received it (from 1). */
export const SequencedDelivery = Type.Object(
  { seq: Type.Integer({ minimum: 1 }), delivery: StudentDelivery },
  { additionalProperties: false },
);
export type SequencedDelivery = Static<typeof SequencedDelivery>;

/** As NotificationsSinceReply (notifications.ts), in the deliveries' own shape. */
export const DeliveriesSinceReply = Type.Object(
  {
    last_seq: Type.Integer({ minimum: 0 }),
    items: Type.Array(SequencedDelivery, { maxItems: MAX_REPLAY_PAGE }),
    more: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type DeliveriesSinceReply = Static<typeof DeliveriesSinceReply>;

export const MarkDeliveryReadRequest = Type.Object(
  { push_id: PushId, student_uid: Id('the student client id') },
  { additionalProperties: false },
);
export type MarkDeliveryReadRequest = Static<typeof MarkDeliveryReadRequest>;

/**
 * The workers' answer to a mark: the mark as stored, or `delivered: false` when the student has no
 * delivery of that push. An answer, not an error: the broadcast service turns it into its own 404
 * (a service's refusal reaches the asker as a bare 500: libs/bus ServiceClient).
 */
export const MarkDeliveryReadReply = Type.Union([
  MarkReadReply,
  Type.Object({ delivered: Type.Literal(false) }, { additionalProperties: false }),
]);
export type MarkDeliveryReadReply = Static<typeof MarkDeliveryReadReply>;
