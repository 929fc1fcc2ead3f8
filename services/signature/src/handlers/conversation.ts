import { defineEndpoint } from '@im/bus';
import {
  type ConversationSignatureReply,
  ConversationSignatureRequest,
  SignatureSubjects,
} from '@im/contracts';
import { assertMaySignFor } from '../authorize.js';
import type { Signer } from '../signer.js';
import { conversationString, normalizeMemberIds } from '../signing.js';

export const conversationEndpoint = (signer: Signer) =>
  defineEndpoint({
    name: 'conversation',
    subject: SignatureSubjects.conversation,
    request: ConversationSignatureRequest,
    handle: ({ app_id, client_id, sorted_member_ids }, { caller }): ConversationSignatureReply => {
      assertMaySignFor(caller, client_id);
      const members = normalizeMemberIds(sorted_member_ids);
      return {
        ...signer.sign(app_id, (timestamp, nonce) =>
          conversationString(app_id, client_id, members, timestamp, nonce),
        ),
        sorted_member_ids: members,
        app_id,
        client_id,
      };
    },
  });
