import { defineEndpoint } from '@im/bus';
import { type DeliveryCountsReply, DeliveryCountsRequest, DeliverySubjects } from '@im/contracts';
import { assertServiceCaller } from '../authorize.js';
import type { Deliveries } from '../repositories/deliveries.js';

/**
 * `im.deliveries.counts_for_pushes`: how many deliveries each push has so far, and how many of its
 * recipients have read it (a class's pushes page shows both), as the fan-out and the read marks
 * keep them. One entry per push asked about, in the order asked; a push nobody got yet (or no
 * push at all) counts 0.
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
        counts: [...counts].map(([push_id, { delivered, read }]) => ({
          push_id,
          delivered_count: delivered,
          read_count: read,
        })),
      };
    },
  });
