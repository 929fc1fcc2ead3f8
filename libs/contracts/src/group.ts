import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Id } from './fields.js';
import { PageQuery } from './paging.js';

/**
 * Groups: requests and replies (events: group-events.ts). Field names are the API document's (`conversion_id`
 * spelling included). Ids the API shows are positive integers; client ids are the IM provider's.
 */
export const GroupSubjects = {
  create: 'im.group.create',
  update: 'im.group.update',
  delete: 'im.group.delete',
  get: 'im.group.get',
  addMembers: 'im.group.members.add',
  removeMembers: 'im.group.members.remove',
  orgGroups: 'im.org.groups',
  orgContacts: 'im.org.contacts',
  userGroups: 'im.user.groups',
} as const;

const IntId = (description: string) =>
  Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description });

export const GroupId = IntId('the group id');
export const OrganizationId = IntId('the organization (school) id');
export const ClientId = Id('a client id as the IM provider knows it');

/** Trimmed, 1–64 characters; surrounding blanks are allowed on the way in and dropped. */
export const GroupName = Type.String({
  pattern: '^\\s*\\S(?:[\\s\\S]{0,62}\\S)?\\s*$',
  maxLength: 1_024,
  description: 'the group name: 1-64 characters after trimming',
});

/** `:`-separated client ids; duplicates are dropped. Long enough for 2000 ids of 64 characters. */
export const MemberClientIds = Type.String({
  pattern: '^[^:]{1,64}(:[^:]{1,64})*$',
  maxLength: 262_144,
  description: 'client ids separated by ":"',
  examples: ['o12:u232:p23'],
});

/** Empty (none) or an http(s) URL. */
export const AvatarUrl = (description: string) =>
  Type.String({ pattern: '^(https?://\\S+)?$', maxLength: 2_048, description });

/** Optional ids arrive empty from form posts; empty means "not given". */
const OptionalId = (description: string) =>
  Type.String({ pattern: '^[^:]{0,64}$', maxLength: 64, description });

export const IdempotencyKey = Type.String({
  pattern: '^[\\x21-\\x7E]{1,128}$',
  description: 'a client-chosen key: the same key again returns the first answer and creates nothing more',
});

const strict = { additionalProperties: false } as const;

// ---- create -------------------------------------------------------------------------------------

export const CreateGroupBody = Type.Object(
  {
    group_name: GroupName,
    member_client_ids: MemberClientIds,
    organization_id: OrganizationId,
    conversion_id: Type.Optional(OptionalId('the conversation id; empty or absent: one is generated')),
    group_avatar: Type.Optional(AvatarUrl('the full URL of the uploaded avatar')),
    admin_uid: Type.Optional(OptionalId("the admin's client id; made a member")),
    description: Type.Optional(Type.String({ maxLength: 500, description: 'free text' })),
  },
  strict,
);
export type CreateGroupBody = Static<typeof CreateGroupBody>;

/** What the service receives: the body, plus the `Idempotency-Key` header when one was sent. */
export const CreateGroupRequest = Type.Object(
  { ...CreateGroupBody.properties, idempotency_key: Type.Optional(IdempotencyKey) },
  strict,
);
export type CreateGroupRequest = Static<typeof CreateGroupRequest>;

export const IdempotencyKeyHeaders = Type.Object({ 'idempotency-key': Type.Optional(IdempotencyKey) });

export const CreateGroupReply = Type.Object({
  group_id: GroupId,
  group_name: Type.String(),
  member_client_ids: Type.String({
    description: 'the members, ":"-separated, as given (duplicates dropped)',
  }),
  organization_id: OrganizationId,
  conversion_id: Type.String(),
  group_avatar: Type.String(),
  admin_uid: Type.String({ description: 'empty when the group has no admin' }),
  description: Type.String(),
});
export type CreateGroupReply = Static<typeof CreateGroupReply>;

// ---- one group ----------------------------------------------------------------------------------

export const GroupIdParams = Type.Object({ group_id: GroupId }, strict);
export type GroupIdParams = Static<typeof GroupIdParams>;

export const UpdateGroupBody = Type.Object({ group_name: GroupName }, strict);
export const UpdateGroupRequest = Type.Object({ group_id: GroupId, group_name: GroupName }, strict);
export type UpdateGroupRequest = Static<typeof UpdateGroupRequest>;
export const UpdateGroupReply = Type.Object({ group_name: Type.String() });
export type UpdateGroupReply = Static<typeof UpdateGroupReply>;

export const DeleteGroupRequest = GroupIdParams;
export type DeleteGroupRequest = Static<typeof DeleteGroupRequest>;

export const GetGroupQuery = Type.Object({ client_id: Type.Optional(ClientId) }, strict);
export const GetGroupRequest = Type.Object({ group_id: GroupId, client_id: Type.Optional(ClientId) }, strict);
export type GetGroupRequest = Static<typeof GetGroupRequest>;

export const GetGroupReply = Type.Object({
  group_id: GroupId,
  group_name: Type.String(),
  organization_id: OrganizationId,
  conversion_id: Type.String(),
  group_avatar: Type.String(),
  admin_uid: Type.String(),
  description: Type.String(),
  member_client_ids: Type.String({ description: 'every member, ":"-separated, ascending' }),
  member_count: Type.Integer(),
  is_exist_in_group: Type.Optional(Type.Boolean({ description: 'only with ?client_id=' })),
});
export type GetGroupReply = Static<typeof GetGroupReply>;

// ---- members ------------------------------------------------------------------------------------

export const MembersBody = Type.Object({ member_client_ids: MemberClientIds }, strict);
/** DELETE takes the list from the body or the query string; the route checks one is there. */
export const OptionalMembers = Type.Object({ member_client_ids: Type.Optional(MemberClientIds) }, strict);

export const AddMembersRequest = Type.Object(
  { group_id: GroupId, member_client_ids: MemberClientIds },
  strict,
);
export type AddMembersRequest = Static<typeof AddMembersRequest>;
export const AddMembersReply = Type.Object({
  group_id: GroupId,
  member_client_ids: Type.String({ description: 'the ids asked for, duplicates dropped' }),
});
export type AddMembersReply = Static<typeof AddMembersReply>;

export const RemoveMembersRequest = AddMembersRequest;
export type RemoveMembersRequest = Static<typeof RemoveMembersRequest>;

// ---- lists --------------------------------------------------------------------------------------

export const OrganizationParams = Type.Object({ organization_id: OrganizationId }, strict);

export const OrgGroupsRequest = Type.Object(
  { organization_id: OrganizationId, ...PageQuery.properties },
  strict,
);
export type OrgGroupsRequest = Static<typeof OrgGroupsRequest>;

const Paged = <T extends TSchema>(item: T) =>
  Type.Object({ total_count: Type.Integer({ minimum: 0 }), data: Type.Array(item) });

export const OrgGroupsReply = Paged(Type.Object({ id: GroupId, group_name: Type.String() }));
export type OrgGroupsReply = Static<typeof OrgGroupsReply>;

export const OrgContactsRequest = OrganizationParams;
export type OrgContactsRequest = Static<typeof OrgContactsRequest>;

export const Contact = Type.Object({
  id: Type.Integer({ description: 'a group id or a user id (uid), as `type` says' }),
  avatar: Type.String({ description: 'a URL, or "0" when there is none' }),
  name: Type.String(),
  type: Type.Union([Type.Literal('group'), Type.Literal('user')]),
});
export type Contact = Static<typeof Contact>;
export const OrgContactsReply = Type.Object({ data: Type.Array(Contact) });
export type OrgContactsReply = Static<typeof OrgContactsReply>;

export const ClientParams = Type.Object({ client_id: ClientId }, strict);
export const UserGroupsRequest = Type.Object({ client_id: ClientId, ...PageQuery.properties }, strict);
export type UserGroupsRequest = Static<typeof UserGroupsRequest>;
export const UserGroupsReply = Paged(
  Type.Object({
    id: GroupId,
    group_name: Type.String(),
    organization_id: OrganizationId,
    conversion_id: Type.String(),
    group_avatar: Type.String(),
  }),
);
export type UserGroupsReply = Static<typeof UserGroupsReply>;
