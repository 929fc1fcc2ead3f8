import { defineEndpoint } from '@im/bus';
import {
  assertMayReadNotificationsOf,
  BroadcastSubjects,
  MarkNotificationReadRequest,
  type MarkReadReply,
  notFound,
  quote,
} from '@im/contracts';
import type { DeliveriesClient } from '../deliveries-client.js';

/**
 * `PUT /im/user/<client_id>/notifications/<push_history_record_id>/read`: marks one of a student's
 * notifications read. The first mark's time stays: marking again answers it with `first: false`.
 * A push the student never got (unknown, another class's, not delivered yet) is a 404.
 */
export const markNotificationReadEndpoint = (deliveries: DeliveriesClient) =>
  defineEndpoint({
    name: 'mark_notification_read',
    subject: BroadcastSubjects.markNotificationRead,
    request: MarkNotificationReadRequest,
    handle: async ({ client_id, push_history_record_id }, { caller, requestId }): Promise<MarkReadReply> => {
      assertMayReadNotificationsOf(caller, client_id, 'mark its notifications read');
      const mark = await deliveries.markRead(client_id, push_history_record_id, requestId);
      if ('delivered' in mark) {
        throw notFound(
          `push_history_record_id: notification of push ${push_history_record_id} for ${quote(client_id)}`,
        );
      }
      return { read_at: mark.read_at, first: mark.first };
    },
  });
