import { defineEndpoint } from '@im/bus';
import {
  BroadcastSubjects,
  type UserNotificationsReply,
  UserNotificationsRequest,
  userNotificationOf,
} from '@im/contracts';
import { assertMayReadNotificationsOf } from '../authorize.js';
import type { DeliveriesClient } from '../deliveries-client.js';

/**
 * `GET /im/user/<client_id>/notifications`: a student's class notifications, newest first, each
 * with when it was first marked read, and how many of them are unread. Who
 * may read them is decided here; the deliveries themselves are the workers' to tell. A client
 * with none gets an empty page: the directory of users is not this service's to check.
 */
export const userNotificationsEndpoint = (deliveries: DeliveriesClient) =>
  defineEndpoint({
    name: 'user_notifications',
    subject: BroadcastSubjects.userNotifications,
    request: UserNotificationsRequest,
    handle: async ({ client_id, page, per_page }, { caller, requestId }): Promise<UserNotificationsReply> => {
      assertMayReadNotificationsOf(caller, client_id);
      const found = await deliveries.forStudent(client_id, page, per_page, requestId);
      return {
        total_count: found.total_count,
        unread_count: found.unread_count,
        data: found.data.map(userNotificationOf),
      };
    },
  });
