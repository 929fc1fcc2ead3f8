import { defineEndpoint } from '@im/bus';
import {
  assertMayReadNotificationsOf,
  BroadcastSubjects,
  type NotificationsSinceReply,
  NotificationsSinceRequest,
  userNotificationOf,
} from '@im/contracts';
import type { DeliveriesClient } from '../deliveries-client.js';

/**
 * `im.broadcast.notifications_since`: the notifications a student got after seq `after`, oldest
 * first, as a live stream replays them (or fills a gap it saw); without `after`, only where the
 * student's inbox stands. The same callers as the notifications list; the workers tell the rest.
 */
export const notificationsSinceEndpoint = (deliveries: DeliveriesClient) =>
  defineEndpoint({
    name: 'notifications_since',
    subject: BroadcastSubjects.notificationsSince,
    request: NotificationsSinceRequest,
    handle: async ({ client_id, after }, { caller, requestId }): Promise<NotificationsSinceReply> => {
      assertMayReadNotificationsOf(caller, client_id);
      const found = await deliveries.since(client_id, after, requestId);
      return {
        last_seq: found.last_seq,
        items: found.items.map(({ seq, delivery }) => ({ seq, notification: userNotificationOf(delivery) })),
        more: found.more,
      };
    },
  });
