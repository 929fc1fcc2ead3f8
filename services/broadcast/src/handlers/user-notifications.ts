import { defineEndpoint } from '@im/bus';
import {
  BroadcastSubjects,
  pageWindow,
  type UserNotificationsReply,
  UserNotificationsRequest,
} from '@im/contracts';
import { assertMayReadNotificationsOf } from '../authorize.js';
import type { DeliveriesReader } from '../repositories/deliveries.js';

/**
 * `GET /im/user/<client_id>/notifications`: a student's class notifications, newest first. A
 * client with none gets an empty page: the directory of users is not this service's to check.
 */
export const userNotificationsEndpoint = (deliveries: DeliveriesReader) =>
  defineEndpoint({
    name: 'user_notifications',
    subject: BroadcastSubjects.userNotifications,
    request: UserNotificationsRequest,
    handle: async ({ client_id, page, per_page }, { caller }): Promise<UserNotificationsReply> => {
      assertMayReadNotificationsOf(caller, client_id);
      const { skip, limit } = pageWindow(page, per_page);
      const [total, docs] = await Promise.all([
        deliveries.countForStudent(client_id),
        deliveries.listForStudent(client_id, skip, limit),
      ]);
      return {
        total_count: total,
        data: docs.map((d) => ({
          push_history_record_id: d.push_id,
          class_id: d.class_id,
          organization_id: d.organization_id,
          message: d.message,
          pushed_at: d.pushed_at.toISOString(),
          delivered_at: d.delivered_at.toISOString(),
        })),
      };
    },
  });
