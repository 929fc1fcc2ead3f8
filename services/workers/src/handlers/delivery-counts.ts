import { defineEndpoint } from '@im/bus';
import { type DeliveryCountsReply, DeliveryCountsRequest, DeliverySubjects } from '@im/contracts';
import { assertServiceCaller } from '../authorize.js';
import type { Deliveries } from '../repositories/deliveries.js';

/**
 * `im.deliveries.counts_for_pushes`: how many deliveries each push has so far (a class's pushes
 * page shows it), counted from the records at the time of the call. One entry per push asked
 * about, in the order asked; a push nobody got yet (or no push at all) counts 0.
 */
export const deliveryCountsEndpoint = (deliveries: Deliveries) =>
  defineEndpoint({
    name: 'counts_for_pushes',
    subject: DeliverySubjects.countsForPushes,
    request: DeliveryCountsRequest,
    handle: async ({ push_ids }, { caller }): Promise<DeliveryCountsReply> => {
      assertServiceCaller(caller);
      const counts = await deliveries.countForPushes(push_ids);
      return {
        counts: [...counts].map(([push_id, delivered_count]) => ({ push_id, delivered_count })),
      };
    },
  });
