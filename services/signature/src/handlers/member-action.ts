import { defineEndpoint } from '@im/bus';
import {
  InviteSignatureRequest,
  KickSignatureRequest,
  type MemberActionSignatureReply,
  SignatureSubjects,
} from '@im/contracts';
import { assertMaySignFor } from '../authorize.js';
import type { ConversationOwners } from '../conversation-owners.js';
import { assertGroupAllows, type UnownedConversations } from '../group-rules.js';
import type { Signer } from '../signer.js';
import { type MemberAction, memberActionString, normalizeMemberIds } from '../signing.js';

/** Invite and kick sign the same string but for the action word; only their input rules differ. */
const REQUESTS = { invite: InviteSignatureRequest, kick: KickSignatureRequest } as const;

export interface MemberActionDeps {
  signer: Signer;
  owners: ConversationOwners;
  unowned: UnownedConversations;
}

/**
 * Invite, kick and join (invite with no members). Cheap refusals first (another client's id, an
 * unknown app); then the group that owns the conversation decides, as the REST API would.
 */
export const memberActionEndpoint = ({ signer, owners, unowned }: MemberActionDeps, action: MemberAction) =>
  defineEndpoint({
    name: action,
    subject: SignatureSubjects[action],
    request: REQUESTS[action],
    handle: async (
      { app_id, client_id, conversion_id, sorted_member_ids },
      { caller, requestId },
    ): Promise<MemberActionSignatureReply> => {
      assertMaySignFor(caller, client_id);
      signer.assertKnownApp(app_id);
      const members = normalizeMemberIds(sorted_member_ids);
      const group = await owners.groupOf(conversion_id, client_id, requestId);
      const ask = {
        action,
        clientId: client_id,
        conversionId: conversion_id,
        members: members ? members.split(':') : [],
      };
      assertGroupAllows(caller, ask, group, unowned);
      return {
        action,
        ...signer.sign(app_id, (timestamp, nonce) =>
          memberActionString(app_id, client_id, conversion_id, members, timestamp, nonce, action),
        ),
        conversion_id,
        app_id,
        sorted_member_ids: members,
        client_id,
      };
    },
  });
