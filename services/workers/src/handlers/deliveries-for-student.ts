import { defineEndpoint } from '@im/bus';
import {
  type DeliveriesForStudentReply,
  DeliveriesForStudentRequest,
  DeliverySubjects,
  pageWindow,
} from '@im/contracts';
import { assertServiceCaller } from '../authorize.js';
import type { StudentNotifications } from '../repositories/student-notifications.js';

/**
 * `im.deliveries.for_student`: one page of a student's deliveries, newest push first, each with
 * when it was read, and how many there are and are unread. A student with none gets an empty
 * page: who exists is the directory's business.
 */
export const deliveriesForStudentEndpoint = (notifications: StudentNotifications) =>
  defineEndpoint({
    name: 'for_student',
    subject: DeliverySubjects.forStudent,
    request: DeliveriesForStudentRequest,
    handle: async ({ student_uid, page, per_page }, { caller }): Promise<DeliveriesForStudentReply> => {
      assertServiceCaller(caller);
      const { skip, limit } = pageWindow(page, per_page);
      const found = await notifications.page(student_uid, skip, limit);
      return { total_count: found.total, unread_count: found.unread, data: found.items };
    },
  });
