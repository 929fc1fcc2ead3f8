import { defineEndpoint } from '@im/bus';
import { DeliverySubjects, type MarkDeliveryReadReply, MarkDeliveryReadRequest } from '@im/contracts';
import { assertServiceCaller } from '../authorize.js';
import type { StudentNotifications } from '../repositories/student-notifications.js';

/**
 * `im.deliveries.mark_read`: marks a student's delivery of a push read. The first mark's time
 * stays; a repeat answers it with `first: false` and counts nothing. No delivery of that push to
 * that student: `delivered: false` (the broadcast service answers it as its 404).
 */
export const markReadEndpoint = (notifications: StudentNotifications) =>
  defineEndpoint({
    name: 'mark_read',
    subject: DeliverySubjects.markRead,
    request: MarkDeliveryReadRequest,
    handle: async ({ push_id, student_uid }, { caller }): Promise<MarkDeliveryReadReply> => {
      assertServiceCaller(caller);
      const mark = await notifications.markRead(student_uid, push_id);
      if (!mark) return { delivered: false };
      return { read_at: mark.readAt.toISOString(), first: mark.first };
    },
  });
