import { defineEndpoint } from '@im/bus';
import {
  BroadcastSubjects,
  type ClassPushesReply,
  ClassPushesRequest,
  notFound,
  pageWindow,
} from '@im/contracts';
import { assertMayUseClass } from '../authorize.js';
import type { DeliveriesClient } from '../deliveries-client.js';
import type { DirectoryClasses } from '../projections/directory-classes.js';
import type { PushHistory } from '../repositories/push-history.js';

export interface ClassPushesDeps {
  classes: DirectoryClasses;
  pushes: PushHistory;
  /** The workers' answers about deliveries (counts, delivery times). */
  deliveries: DeliveriesClient;
}

/**
 * `GET /im/class/<class_id>/pushes`: a class's pushes, newest first, each with how many recipients
 * it has, how many deliveries are written so far and how many recipients have read it (the
 * workers count them, for the whole page in one request). The recipients themselves are paged apart
 * (push-recipients.ts): 20 rosters of 2,000 would not fit one NATS message. A class the directory
 * never announced is a 404; a deleted one still shows its history.
 */
export const classPushesEndpoint = ({ classes, pushes, deliveries }: ClassPushesDeps) =>
  defineEndpoint({
    name: 'class_pushes',
    subject: BroadcastSubjects.classPushes,
    request: ClassPushesRequest,
    handle: async ({ class_id, page, per_page }, { caller, requestId }): Promise<ClassPushesReply> => {
      const cls = await classes.ownerOf(class_id);
      if (!cls) throw notFound(`class_id: class ${class_id}`);
      assertMayUseClass(caller, class_id, cls.organization_id, 'reading its pushes');
      const { skip, limit } = pageWindow(page, per_page);
      const { total, items } = await pushes.listByClass(class_id, skip, limit);
      const counts = await deliveries.countsForPushes(
        items.map((r) => r.id),
        requestId,
      );
      return {
        total_count: total,
        data: items.map((r) => ({
          push_history_record_id: r.id,
          class_id: r.class_id,
          organization_id: r.organization_id,
          day: r.day,
          pushed_at: r.pushed_at.toISOString(),
          message: r.message,
          recipient_count: r.recipient_count,
          delivered_count: counts.get(r.id)?.delivered ?? 0,
          read_count: counts.get(r.id)?.read ?? 0,
          event_sent: r.event_sent,
        })),
      };
    },
  });
