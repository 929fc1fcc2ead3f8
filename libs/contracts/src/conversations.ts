import { type Static, Type } from '@sinclair/typebox';
import { Id } from './fields.js';

/**
 * Internal: which group owns a LeanCloud conversation, so the signature service signs invite,
 * kick and join exactly as the group rules allow. Answered by the group service for services only;
 * the gateway has no route to it.
 */
export const ConversationSubjects = {
  group: 'im.group.conversation',
} as const;

export const ConversationGroupRequest = Type.Object(
  {
    conversion_id: Id('the conversation id'),
    /** Whose membership the answer reports (`is_member`). */
    client_id: Id('the client asking for a signature'),
  },
  { additionalProperties: false },
);
export type ConversationGroupRequest = Static<typeof ConversationGroupRequest>;

export const ConversationGroup = Type.Object({
  group_id: Type.Integer({ minimum: 1 }),
  organization_id: Type.Integer({ minimum: 1 }),
  /** Empty when the group has no admin. */
  admin_uid: Type.String(),
  /** A group being created counts as active; `deleted` is the soft delete. */
  status: Type.Union([Type.Literal('active'), Type.Literal('deleted')]),
  /** Whether `client_id` is a member now (always false for a deleted group). */
  is_member: Type.Boolean(),
});
export type ConversationGroup = Static<typeof ConversationGroup>;

/**
 * `group` is null when no group ever claimed the conversation. When several did (a deleted group's
 * conversation reused by a new one), the live group answers, else the newest deleted one.
 */
export const ConversationGroupReply = Type.Object({
  group: Type.Union([Type.Null(), ConversationGroup]),
});
export type ConversationGroupReply = Static<typeof ConversationGroupReply>;
