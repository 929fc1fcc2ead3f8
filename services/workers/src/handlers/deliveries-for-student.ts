import { defineEndpoint } from '@im/bus';
import {
  type DeliveriesForStudentReply,
  DeliveriesForStudentRequest,
  DeliverySubjects,
  pageWindow,
} from '@im/contracts';
import { assertServiceCaller } from '../authorize.js';
import type { Deliveries } from '../repositories/deliveries.js';

/**
 * `im.deliveries.for_student`: one page of a student's deliveries, newest push first, and how many
 * there are. A student with none gets an empty page: who exists is the directory's business.
 */
export const deliveriesForStudentEndpoint = (deliveries: Deliveries) =>
  defineEndpoint({
    name: 'for_student',
    subject: DeliverySubjects.forStudent,
    request: DeliveriesForStudentRequest,
    handle: async ({ student_uid, page, per_page }, { caller }): Promise<DeliveriesForStudentReply> => {
      assertServiceCaller(caller);
      const { skip, limit } = pageWindow(page, per_page);
      const found = await deliveries.pageForStudent(student_uid, skip, limit);
      return {
        total_count: found.total,
        data: found.items.map((d) => ({
          push_id: d.push_id,
          class_id: d.class_id,
          organization_id: d.organization_id,
          message: d.message,
          pushed_at: d.pushed_at.toISOString(),
          delivered_at: d.delivered_at.toISOString(),
        })),
      };
    },
  });
