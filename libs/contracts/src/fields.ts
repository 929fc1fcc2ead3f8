import { Type } from '@sinclair/typebox';

/**
 * Field schemas shared by routes and services, and the sentence each rule produces when broken.
 * Messages are looked up by field name so that the gateway (Ajv) and the services (TypeBox's
 * compiler) word a broken rule the same way.
 */
const ID_RULE = "must be 1-64 characters without ':'";
const ID_LIST_RULE = "must be ids of 1-64 characters without ':', separated by ':'";

export const FIELD_RULES: Readonly<Record<string, string>> = {
  app_id: ID_RULE,
  client_id: ID_RULE,
  conversion_id: ID_RULE,
  sorted_member_ids: ID_LIST_RULE,
  // broadcast and directory classes
  class_id: 'must be a positive integer',
  message: 'must be a string of at most 2000 characters',
  page: 'must be a positive integer',
  push_history_record_id: 'must be a positive integer',
  per_page: 'must be an integer from 1 to 100',
  student_uids: "must be a list of at most 10000 client ids of 1-64 characters without ':'",
  // groups and directory users
  group_id: 'must be a positive integer',
  organization_id: 'must be a positive integer',
  uid: 'must be a positive integer',
  group_name: 'must be 1-64 characters after trimming',
  name: 'must be 1-64 characters after trimming',
  member_client_ids: ID_LIST_RULE,
  admin_uid: ID_RULE,
  group_avatar: 'must be empty or an http(s) URL',
  avatar: 'must be empty or an http(s) URL',
  description: 'must be at most 500 characters',
  role: "must be 'teacher' or 'student'",
  idempotency_key: 'must be 1-128 printable ASCII characters without spaces',
  'idempotency-key': 'must be 1-128 printable ASCII characters without spaces',
  // live notifications
  ticket: 'must be a ticket from POST …/notifications/tickets',
  last_event_id: 'must be the id of an event of this stream (a non-negative integer)',
  'last-event-id': 'must be the id of an event of this stream (a non-negative integer)',
};

/** The sentence for a broken rule on `field`, or the validator's own wording when none is known. */
export function ruleFor(field: string, fallback: string): string {
  return FIELD_RULES[field] ?? fallback;
}

/** An id as the IM provider knows it: app, client, conversation. */
export const Id = (description: string) =>
  Type.String({ minLength: 1, maxLength: 64, pattern: '^[^:]+$', description });

/** `:`-separated ids; `allowEmpty` for the join case of an invite. */
export const IdList = (description: string, allowEmpty = false) =>
  Type.String({
    pattern: allowEmpty ? '^([^:]{1,64}(:[^:]{1,64})*)?$' : '^[^:]{1,64}(:[^:]{1,64})*$',
    maxLength: 16_384,
    description,
  });
