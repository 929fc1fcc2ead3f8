import { defineEndpoint } from '@im/bus';
import { type DeliveriesSinceReply, DeliveriesSinceRequest, DeliverySubjects } from '@im/contracts';
import { assertServiceCaller } from '../authorize.js';
import type { StudentNotifications } from '../repositories/student-notifications.js';

/**
 * `im.deliveries.since`: the deliveries a student got after a seq, in the order its inbox received
 * them (what a live stream replays or a reader fills a gap with); without `after`, where the inbox
 * stands. A cursor beyond the last seq counts as the last.
 */
export const deliveriesSinceEndpoint = (notifications: StudentNotifications) =>
  defineEndpoint({
    name: 'since',
    subject: DeliverySubjects.since,
    request: DeliveriesSinceRequest,
    handle: async ({ student_uid, after }, { caller }): Promise<DeliveriesSinceReply> => {
      assertServiceCaller(caller);
      return notifications.since(student_uid, after);
    },
  });
