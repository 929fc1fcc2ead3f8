import { type Static, Type } from '@sinclair/typebox';
import { Id, IdList } from './fields.js';

/**
 * Signature requests and replies. Field names are the API document's, `conversion_id` spelling
 * included. Member lists arrive as written and leave normalized (unique, ascending).
 */
const AppId = Id('the application id');
const ClientId = Id('the clientId used to log in');
const ConversionId = Id('the conversation this action concerns');

export const LoginSignatureRequest = Type.Object(
  { app_id: AppId, client_id: ClientId },
  { additionalProperties: false },
);
export type LoginSignatureRequest = Static<typeof LoginSignatureRequest>;

export const ConversationSignatureRequest = Type.Object(
  {
    app_id: AppId,
    client_id: ClientId,
    sorted_member_ids: IdList('members invited to the conversation, separated by ":"'),
  },
  { additionalProperties: false },
);
export type ConversationSignatureRequest = Static<typeof ConversationSignatureRequest>;

/**
 * Invite allows an empty member list: that is a member joining by itself. Invite and kick on a
 * group's conversation are signed only as the group rules allow (the group service is asked).
 */
export const InviteSignatureRequest = Type.Object(
  {
    app_id: AppId,
    client_id: ClientId,
    conversion_id: ConversionId,
    sorted_member_ids: IdList('members to add, separated by ":"; empty when joining', true),
  },
  { additionalProperties: false },
);
export type InviteSignatureRequest = Static<typeof InviteSignatureRequest>;

export const KickSignatureRequest = Type.Object(
  {
    app_id: AppId,
    client_id: ClientId,
    conversion_id: ConversionId,
    sorted_member_ids: IdList('members to remove, separated by ":"'),
  },
  { additionalProperties: false },
);
export type KickSignatureRequest = Static<typeof KickSignatureRequest>;

const Signed = {
  timestamp: Type.String({
    description:
      'the signed Unix time, digits as signed: integer seconds by default; integer milliseconds or ' +
      "seconds with six decimals (the old document's form) as SIGNATURE_TIMESTAMP_FORMAT says",
    examples: ['1450166986'],
  }),
  nonce: Type.String({ description: '8 characters of [A-Za-z0-9]', examples: ['cdXsciFc'] }),
  signature: Type.String({ description: 'HMAC-SHA1, lowercase hex, keyed by the app master key' }),
  app_id: Type.String(),
  client_id: Type.String(),
};

export const LoginSignatureReply = Type.Object(Signed);
export type LoginSignatureReply = Static<typeof LoginSignatureReply>;

export const ConversationSignatureReply = Type.Object({ ...Signed, sorted_member_ids: Type.String() });
export type ConversationSignatureReply = Static<typeof ConversationSignatureReply>;

export const MemberActionSignatureReply = Type.Object({
  ...Signed,
  sorted_member_ids: Type.String(),
  conversion_id: Type.String(),
  action: Type.Union([Type.Literal('invite'), Type.Literal('kick')]),
});
export type MemberActionSignatureReply = Static<typeof MemberActionSignatureReply>;
