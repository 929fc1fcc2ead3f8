import { defineEndpoint } from '@im/bus';
import {
  InviteSignatureRequest,
  KickSignatureRequest,
  type MemberActionSignatureReply,
  SignatureSubjects,
} from '@im/contracts';
import { assertMaySignFor } from '../authorize.js';
import type { Signer } from '../signer.js';
import { type MemberAction, memberActionString, normalizeMemberIds } from '../signing.js';

/** Invite and kick sign the same string but for the action word; only their input rules differ. */
const REQUESTS = { invite: InviteSignatureRequest, kick: KickSignatureRequest } as const;

export const memberActionEndpoint = (signer: Signer, action: MemberAction) =>
  defineEndpoint({
    name: action,
    subject: SignatureSubjects[action],
    request: REQUESTS[action],
    handle: (
      { app_id, client_id, conversion_id, sorted_member_ids },
      { caller },
    ): MemberActionSignatureReply => {
      assertMaySignFor(caller, client_id);
      const members = normalizeMemberIds(sorted_member_ids);
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
