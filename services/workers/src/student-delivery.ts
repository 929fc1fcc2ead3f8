import type { StudentDelivery } from '@im/contracts';
import type { InboxEntry } from './repositories/deliveries.js';

/**
 * A stored inbox entry as the deliveries' API shows it: the one mapping from what is stored to what
 * is answered (pages, replays, and, through contracts' userNotificationOf, the live message).
 */
export function studentDeliveryOf(entry: InboxEntry, readAt: Date | undefined): StudentDelivery {
  return {
    push_id: entry.push_id,
    class_id: entry.class_id,
    organization_id: entry.organization_id,
    message: entry.message,
    pushed_at: entry.pushed_at.toISOString(),
    delivered_at: entry.delivered_at.toISOString(),
    read_at: readAt ? readAt.toISOString() : null,
  };
}
