import { defineEndpoint } from '@im/bus';
import { type DeliveredAtReply, DeliveredAtRequest, DeliverySubjects } from '@im/contracts';
import { assertServiceCaller } from '../authorize.js';
import type { Deliveries } from '../repositories/deliveries.js';

/**
 * `im.deliveries.delivered_at`: when each of some students (a page of a push's recipients) got
 * their copy of one push. A student left out of the answer has no delivery yet.
 */
export const deliveredAtEndpoint = (deliveries: Deliveries) =>
  defineEndpoint({
    name: 'delivered_at',
    subject: DeliverySubjects.deliveredAt,
    request: DeliveredAtRequest,
    handle: async ({ push_id, student_uids }, { caller }): Promise<DeliveredAtReply> => {
      assertServiceCaller(caller);
      const at = await deliveries.deliveredAt(push_id, student_uids);
      return {
        deliveries: [...at].map(([student_uid, deliveredAt]) => ({
          student_uid,
          delivered_at: deliveredAt.toISOString(),
        })),
      };
    },
  });
