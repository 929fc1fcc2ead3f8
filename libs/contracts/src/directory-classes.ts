import { type Static, Type } from '@sinclair/typebox';
import { Id } from './fields.js';

/**
 * Classes as the directory (the school system of record) announces them. The broadcast service
 * keeps a projection of these; the gateway's admin endpoints publish them for systems that cannot
 * speak NATS.
 */
export const DirectoryClassSubjects = {
  upserted: 'directory.class.upserted',
  deleted: 'directory.class.deleted',
  /** Both of the above: the filter of the broadcast service's projection consumer. */
  all: 'directory.class.>',
} as const;

/**
 * Most students a directory event may list. A count, not a size: 10,000 ids of 64 CJK characters
 * take about 2 MB, more than NATS's default 1 MB max_payload. The size is a limit in bytes
 * (`listByteBudget(max_payload)` in limits.ts), checked where rosters enter: the admin route and,
 * for directory events from elsewhere, the push (a 413 before anything is recorded).
 */
export const MAX_CLASS_STUDENTS = 10_000;

/** Integer ids as the API shows them; positive, and exact in a JavaScript number. */
export const ClassId = Type.Integer({
  minimum: 1,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'class id',
});
export const ClassOrganizationId = Type.Integer({
  minimum: 1,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'organization (school) id',
});
export const StudentUids = Type.Array(Id('a student client id'), {
  maxItems: MAX_CLASS_STUDENTS,
  description: 'client ids of the students of the class',
});

/** ISO 8601 with a time zone, as `Date.prototype.toISOString` writes it. */
const Instant = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$',
  description: 'ISO 8601 instant, e.g. 2024-05-01T08:00:00.000Z',
});
const EventId = Type.String({ minLength: 1, maxLength: 128, description: 'unique id; the JetStream msgID' });

export const ClassPathParams = Type.Object({ class_id: ClassId }, { additionalProperties: false });
export type ClassPathParams = Static<typeof ClassPathParams>;

/** `PUT /im/admin/classes/<class_id>` body. */
export const ClassUpsertBody = Type.Object(
  {
    organization_id: ClassOrganizationId,
    // Worded by FIELD_RULES.name, shared with directory users: 1-64 characters after trimming.
    name: Type.String({
      pattern: '^\\s*\\S(?:[\\s\\S]{0,62}\\S)?\\s*$',
      maxLength: 1_024,
      description: 'class name: 1-64 characters after trimming',
    }),
    active: Type.Boolean({ description: 'an inactive class cannot be pushed to' }),
    student_uids: StudentUids,
  },
  { additionalProperties: false },
);
export type ClassUpsertBody = Static<typeof ClassUpsertBody>;

/**
 * `occurred_at` orders events of one class: the projection never lets an older event overwrite a
 * newer one, whatever order JetStream redelivers them in.
 */
export const DirectoryClassUpserted = Type.Object(
  { event_id: EventId, class_id: ClassId, ...ClassUpsertBody.properties, occurred_at: Instant },
  { additionalProperties: false },
);
export type DirectoryClassUpserted = Static<typeof DirectoryClassUpserted>;

export const DirectoryClassDeleted = Type.Object(
  { event_id: EventId, class_id: ClassId, occurred_at: Instant },
  { additionalProperties: false },
);
export type DirectoryClassDeleted = Static<typeof DirectoryClassDeleted>;

/** What the projection consumer accepts on `directory.class.>`. */
export const DirectoryClassEvent = Type.Union([DirectoryClassUpserted, DirectoryClassDeleted]);
export type DirectoryClassEvent = Static<typeof DirectoryClassEvent>;
