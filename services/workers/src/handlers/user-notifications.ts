import { defineEndpoint } from '@im/bus';
import {
  assertMayReadNotificationsOf,
  DeliverySubjects,
  pageWindow,
  type UserNotificationsReply,
  UserNotificationsRequest,
  userNotificationOf,
} from '@im/contracts';
import type { StudentNotifications } from '../repositories/student-notifications.js';

/**
 * `GET /im/user/<client_id>/notifications`, asked by the gateway: one page of a student's
 * notifications, newest push first, each with when it was first marked read, and how many are
 * unread. The workers own the inbox, so they answer it themselves (one hop fewer than through the
 * broadcast service, README "Performance"); who may read it is the one rule both services apply.
 * A student with none gets an empty page: who exists is the directory's business.
 */
export const userNotificationsEndpoint = (notifications: StudentNotifications) =>
  defineEndpoint({
    name: 'user_notifications',
    subject: DeliverySubjects.userNotifications,
    request: UserNotificationsRequest,
    handle: async ({ client_id, page, per_page }, { caller }): Promise<UserNotificationsReply> => {
      assertMayReadNotificationsOf(caller, client_id);
      const { skip, limit } = pageWindow(page, per_page);
      const found = await notifications.page(client_id, skip, limit);
      return {
        total_count: found.total,
        unread_count: found.unread,
        data: found.items.map(userNotificationOf),
      };
    },
  });
