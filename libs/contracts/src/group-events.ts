import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { GroupId, OrganizationId } from './group.js';

/**
 * Group events, for the internal services that subscribe (the IM provider's membership mirror,
 * for one): one subject per change, on the IM_GROUP_EVENTS stream. The AsyncAPI document of the
 * group service is generated from these schemas.
 */
export const GROUP_EVENT_TYPES = [
  'created',
  'updated',
  'deleted',
  'members_added',
  'members_removed',
] as const;
export type GroupEventType = (typeof GROUP_EVENT_TYPES)[number];

/** One subject per event type, all on the IM_GROUP_EVENTS stream (`im.events.group.>`). */
export const GroupEventSubjects = {
  created: 'im.events.group.created',
  updated: 'im.events.group.updated',
  deleted: 'im.events.group.deleted',
  members_added: 'im.events.group.members_added',
  members_removed: 'im.events.group.members_removed',
} as const satisfies Record<GroupEventType, string>;

/** ISO 8601 with a time zone, as `Date.prototype.toISOString` writes it. */
const Instant = (description: string) =>
  Type.String({
    pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$',
    description,
  });

const EventBase = {
  event_id: Type.String({
    minLength: 1,
    maxLength: 64,
    description: 'unique; also the JetStream Nats-Msg-Id',
  }),
  occurred_at: Instant('when the change was asked for, ISO 8601 (UTC)'),
  group_id: GroupId,
  organization_id: OrganizationId,
  conversion_id: Type.String({ description: "the group's conversation at the IM provider" }),
};

const changed = (what: string) => Type.Array(Type.String(), { description: what });

export const GroupCreatedEvent = Type.Object(
  {
    ...EventBase,
    type: Type.Literal('created'),
    member_client_ids: changed('every member of the new group (the admin included)'),
    group_name: Type.String(),
    group_avatar: Type.String(),
    admin_uid: Type.String({ description: 'empty when the group has no admin' }),
    description: Type.String(),
  },
  { title: 'GroupCreated', description: 'A group was created with its first members.' },
);
export type GroupCreatedEvent = Static<typeof GroupCreatedEvent>;

export const GroupUpdatedEvent = Type.Object(
  {
    ...EventBase,
    type: Type.Literal('updated'),
    member_client_ids: changed('always empty: a rename changes no member'),
    group_name: Type.String({ description: 'the new name' }),
  },
  { title: 'GroupUpdated', description: 'A group was renamed.' },
);
export type GroupUpdatedEvent = Static<typeof GroupUpdatedEvent>;

export const GroupDeletedEvent = Type.Object(
  {
    ...EventBase,
    type: Type.Literal('deleted'),
    member_client_ids: changed('the members the group had when it was deleted'),
  },
  { title: 'GroupDeleted', description: 'A group was deleted (soft): it is gone from every read.' },
);
export type GroupDeletedEvent = Static<typeof GroupDeletedEvent>;

export const GroupMembersAddedEvent = Type.Object(
  {
    ...EventBase,
    type: Type.Literal('members_added'),
    member_client_ids: changed('the ids that were not members before this change'),
  },
  { title: 'GroupMembersAdded', description: 'Members joined a group.' },
);
export type GroupMembersAddedEvent = Static<typeof GroupMembersAddedEvent>;

export const GroupMembersRemovedEvent = Type.Object(
  {
    ...EventBase,
    type: Type.Literal('members_removed'),
    member_client_ids: changed('the ids that were members before this change'),
  },
  { title: 'GroupMembersRemoved', description: 'Members left a group.' },
);
export type GroupMembersRemovedEvent = Static<typeof GroupMembersRemovedEvent>;

export const GroupEvent = Type.Union([
  GroupCreatedEvent,
  GroupUpdatedEvent,
  GroupDeletedEvent,
  GroupMembersAddedEvent,
  GroupMembersRemovedEvent,
]);
export type GroupEvent = Static<typeof GroupEvent>;

/** Each event type's schema, by type: the AsyncAPI document and consumers read this. */
export const GroupEventSchemas = {
  created: GroupCreatedEvent,
  updated: GroupUpdatedEvent,
  deleted: GroupDeletedEvent,
  members_added: GroupMembersAddedEvent,
  members_removed: GroupMembersRemovedEvent,
} as const satisfies Record<GroupEventType, TSchema>;
