import { defineEndpoint } from '@im/bus';
import {
  BroadcastSubjects,
  notFound,
  type PushRecipientsReply,
  PushRecipientsRequest,
  pageWindow,
} from '@im/contracts';
import { assertMayUseClass } from '../authorize.js';
import type { DeliveriesClient } from '../deliveries-client.js';
import type { DirectoryClasses } from '../projections/directory-classes.js';
import type { PushHistory } from '../repositories/push-history.js';

export interface PushRecipientsDeps {
  classes: DirectoryClasses;
  pushes: PushHistory;
  /** The workers' answers about deliveries (counts, delivery times). */
  deliveries: DeliveriesClient;
}

/**
 * `GET /im/class/<class_id>/pushes/<push_history_record_id>/recipients`: one page of a push's
 * recipients, in roster order, each with when its delivery was written (null: not yet), as the
 * workers tell it for the page's students. The same callers as the class's pushes; a push of
 * another class is a 404, as an unknown one.
 */
export const pushRecipientsEndpoint = ({ classes, pushes, deliveries }: PushRecipientsDeps) =>
  defineEndpoint({
    name: 'push_recipients',
    subject: BroadcastSubjects.pushRecipients,
    request: PushRecipientsRequest,
    handle: async (
      { class_id, push_history_record_id, page, per_page },
      { caller, requestId },
    ): Promise<PushRecipientsReply> => {
      const cls = await classes.ownerOf(class_id);
      if (!cls) throw notFound(`class_id: class ${class_id}`);
      // Whose class it is decides first: a stranger learns nothing about its pushes.
      assertMayUseClass(caller, class_id, cls.organization_id, 'reading its pushes');
      const push = await pushes.findById(push_history_record_id);
      if (!push || push.class_id !== class_id) {
        throw notFound(`push_history_record_id: push ${push_history_record_id} of class ${class_id}`);
      }
      const { skip, limit } = pageWindow(page, per_page);
      const uids = skip < push.recipient_count ? await pushes.recipientsPage(push.id, skip, limit) : [];
      const delivered = await deliveries.deliveredAt(push.id, uids, requestId);
      return {
        total_count: push.recipient_count,
        data: uids.map((client_id) => ({
          client_id,
          delivered_at: delivered.get(client_id) ?? null,
        })),
      };
    },
  });
