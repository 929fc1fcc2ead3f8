import type { ClassMessageEvent } from '@im/contracts';
import type { RecordedPush } from '../repositories/push-history.js';

/** The event a push announces; its recipients travel inline (see ClassMessageEvent). */
export function classMessageEvent(record: RecordedPush): ClassMessageEvent {
  return {
    event_id: record.event.id,
    push_id: record.id,
    class_id: record.class_id,
    organization_id: record.organization_id,
    student_uids: record.student_uids,
    message: record.message,
    day: record.day,
    pushed_at: record.pushed_at.toISOString(),
  };
}
