import { defineEndpoint } from '@im/bus';
import {
  CALLER_HEADER,
  type ConversationGroupReply,
  ConversationGroupRequest,
  ConversationSubjects,
  forbidden,
  isService,
  quote,
} from '@im/contracts';
import type { GroupDeps } from '../deps.js';
import type { GroupDoc } from '../repositories/groups.js';

/**
 * Internal: which group owns a conversation, so the signature service signs invite, kick and join
 * only as the group rules allow. Services only: it tells whether a client is in a group of any
 * organization. The live group (one being created counts) is the one holding the conversation's
 * claim; without one, the group that held it last (`group_conversation_last`, written when a
 * delete releases it; groups from before claims are recorded at start); else none. Both are
 * look-ups by `_id`.
 */
export const conversationGroupEndpoint = (deps: GroupDeps) =>
  defineEndpoint({
    name: 'conversation_group',
    subject: ConversationSubjects.group,
    request: ConversationGroupRequest,
    handle: async ({ conversion_id, client_id }, { caller }): Promise<ConversationGroupReply> => {
      if (!isService(caller)) {
        throw forbidden(
          CALLER_HEADER,
          `${quote(caller.sub)} is not a service; only services may ask which group owns a conversation`,
        );
      }
      const holder = await deps.conversations.holderOf(conversion_id);
      const groupId = holder ?? (await deps.conversations.lastHolderOf(conversion_id));
      const group = groupId === undefined ? null : await deps.groups.find(groupId);
      // A pending group is never the answer of the fallback (it holds a claim if anything).
      if (holder === undefined && group?.status === 'pending') return { group: null };
      if (!group) return { group: null };
      const deleted = await isDeleted(deps, group);
      const isMember = !deleted && (await deps.members.present(group.id, [client_id])).has(client_id);
      return {
        group: {
          group_id: group.id,
          organization_id: group.organization_id,
          admin_uid: group.admin_uid,
          status: deleted ? 'deleted' : 'active',
          is_member: isMember,
        },
      };
    },
  });

/**
 * The tombstone decides when the status says otherwise: the delete writes it before the status,
 * and where updates are not atomic a rename racing the delete can briefly write `active` back
 * over `deleted` (docs/ferretdb.md, "Updates").
 */
async function isDeleted(deps: GroupDeps, group: GroupDoc): Promise<boolean> {
  return group.status === 'deleted' || (await deps.tombstones.exists(group.id));
}
