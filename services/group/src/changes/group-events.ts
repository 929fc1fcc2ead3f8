import { randomUUID } from 'node:crypto';
import {
  type CreateGroupReply,
  type GroupCreatedEvent,
  type GroupEvent,
  GroupEventSubjects,
  type GroupEventType,
} from '@im/contracts';
import type { OutgoingEvent } from '@im/events';

/** What every group event says about its group. */
export interface GroupRef {
  id: number;
  organization_id: number;
  conversion_id: string;
}

type Extra<T extends GroupEventType> = Omit<
  Extract<GroupEvent, { type: T }>,
  'event_id' | 'type' | 'occurred_at' | 'group_id' | 'organization_id' | 'conversion_id'
>;

/** A new event about `group`: a fresh id (also its JetStream msgID) and the time of the request. */
export function groupEvent<T extends GroupEventType>(
  type: T,
  group: GroupRef,
  extra: Extra<T>,
  at: Date = new Date(),
): Extract<GroupEvent, { type: T }> {
  return {
    event_id: randomUUID(),
    type,
    occurred_at: at.toISOString(),
    group_id: group.id,
    organization_id: group.organization_id,
    conversion_id: group.conversion_id,
    ...extra,
  } as Extract<GroupEvent, { type: T }>;
}

export function toOutgoing(event: GroupEvent): OutgoingEvent {
  return { id: event.event_id, subject: GroupEventSubjects[event.type], payload: event };
}

/** The 201 of `POST /im/group`, rebuilt from the event alone (a replayed create needs it too). */
export function createdReply(event: GroupCreatedEvent): CreateGroupReply {
  return {
    group_id: event.group_id,
    group_name: event.group_name,
    member_client_ids: event.member_client_ids.join(':'),
    organization_id: event.organization_id,
    conversion_id: event.conversion_id,
    group_avatar: event.group_avatar,
    admin_uid: event.admin_uid,
    description: event.description,
  };
}
