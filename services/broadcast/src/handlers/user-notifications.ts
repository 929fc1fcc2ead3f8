import { defineEndpoint } from '@im/bus';
import { BroadcastSubjects, type UserNotificationsReply, UserNotificationsRequest } from '@im/contracts';
import { assertMayReadNotificationsOf } from '../authorize.js';
import type { DeliveriesClient } from '../deliveries-client.js';

/**
 * `GET /im/user/<client_id>/notifications`: a student's class notifications, newest first. Who
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
        data: found.data.map((d) => ({
          push_history_record_id: d.push_id,
          class_id: d.class_id,
          organization_id: d.organization_id,
          message: d.message,
          pushed_at: d.pushed_at,
          delivered_at: d.delivered_at,
        })),
      };
    },
  });
