import { type Static, Type } from '@sinclair/typebox';

/**
 * Users as the directory (another system) announces them, on the DIRECTORY stream. Services keep
 * the projection they need (the group service: an organization's contacts). Events of one user are
 * ordered by `occurred_at`: a consumer ignores one older than what it already has.
 */
export const DirectoryUserSubjects = {
  upserted: 'directory.user.upserted',
  deleted: 'directory.user.deleted',
} as const;

/** What a consumer of both user events filters on. */
export const DIRECTORY_USER_FILTER = 'directory.user.>';

const IntId = (description: string) =>
  Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description });

export const DirectoryOrganizationId = IntId('the organization (school) id');
export const DirectoryUid = IntId("the user's id in the directory; contacts show it as `id`");

export const UserRole = Type.Union([Type.Literal('teacher'), Type.Literal('student')], {
  description: 'teacher or student',
});
export type UserRole = Static<typeof UserRole>;

/** What the admin endpoint (and the directory) says about a user. */
export const DirectoryUserBody = Type.Object(
  {
    name: Type.String({
      pattern: '^\\s*\\S(?:[\\s\\S]{0,62}\\S)?\\s*$',
      maxLength: 1_024,
      description: 'display name: 1-64 characters after trimming',
    }),
    avatar: Type.Optional(
      Type.String({ pattern: '^(https?://\\S+)?$', maxLength: 2_048, description: 'empty or a URL' }),
    ),
    role: UserRole,
  },
  { additionalProperties: false },
);
export type DirectoryUserBody = Static<typeof DirectoryUserBody>;

export const DirectoryUserParams = Type.Object(
  { organization_id: DirectoryOrganizationId, uid: DirectoryUid },
  { additionalProperties: false },
);
export type DirectoryUserParams = Static<typeof DirectoryUserParams>;

/** ISO 8601 with a time zone, as `Date.prototype.toISOString` writes it. */
const Instant = (description: string) =>
  Type.String({
    pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$',
    description,
  });

const EventBase = {
  event_id: Type.String({ minLength: 1, maxLength: 64, description: 'unique; also the Nats-Msg-Id' }),
  occurred_at: Instant('when the directory changed, ISO 8601; orders the events of one user'),
  organization_id: DirectoryOrganizationId,
  uid: DirectoryUid,
};

export const DirectoryUserUpserted = Type.Object(
  {
    ...EventBase,
    name: Type.String({ description: 'display name, trimmed' }),
    avatar: Type.String({ description: 'a URL, or empty' }),
    role: UserRole,
  },
  { title: 'DirectoryUserUpserted', description: 'A user of an organization was added or changed.' },
);
export type DirectoryUserUpserted = Static<typeof DirectoryUserUpserted>;

export const DirectoryUserDeleted = Type.Object(EventBase, {
  title: 'DirectoryUserDeleted',
  description: 'A user left an organization.',
});
export type DirectoryUserDeleted = Static<typeof DirectoryUserDeleted>;

/**
 * What a consumer of `directory.user.>` validates: either event (the subject tells which), as one
 * object so that a broken field is named; an upsert without its user fields is refused by the consumer.
 */
export const DirectoryUserEvent = Type.Object({
  ...EventBase,
  name: Type.Optional(DirectoryUserUpserted.properties.name),
  avatar: Type.Optional(DirectoryUserUpserted.properties.avatar),
  role: Type.Optional(UserRole),
});
export type DirectoryUserEvent = Static<typeof DirectoryUserEvent>;

/** The admin endpoints answer 202 with the id of the event they published. */
export const DirectoryEventAccepted = Type.Object({ event_id: Type.String() });
export type DirectoryEventAccepted = Static<typeof DirectoryEventAccepted>;
