import { randomBytes } from 'node:crypto';
import { defineEndpoint } from '@im/bus';
import {
  assertFits,
  type CreateGroupReply,
  CreateGroupRequest,
  GroupSubjects,
  invalidParameter,
} from '@im/contracts';
import { assertMayCreate } from '../authorize.js';
import { createdReply, groupEvent } from '../changes/group-events.js';
import { createOnce, type GroupDraft, recordIntent } from '../changes/idempotent-create.js';
import { conversationTaken, type GroupDeps } from '../deps.js';
import { initialMembers } from '../lists.js';
import type { KeyClaim } from '../repositories/idempotency-keys.js';

/**
 * `POST /im/group`. With an Idempotency-Key, a repeat answers the first 201 and creates nothing.
 * A conversation a live group holds is a 409 (1016), in any organization.
 */
export const createGroupEndpoint = (deps: GroupDeps) =>
  defineEndpoint({
    name: 'create',
    subject: GroupSubjects.create,
    request: CreateGroupRequest,
    handle: async (request, { caller }): Promise<CreateGroupReply> => {
      assertMayCreate(caller, request.organization_id);
      const draft = draftOf(request, deps);
      const key = request.idempotency_key;
      if (key === undefined) return createGroup(deps, draft, null);
      return createOnce(deps, draft, key, (claim) => createGroup(deps, draft, claim));
    },
  });

/** The request, normalized: what is stored, hashed for the idempotency check, and echoed. */
function draftOf(request: CreateGroupRequest, deps: GroupDeps): GroupDraft {
  const adminUid = request.admin_uid ?? '';
  const members = initialMembers(request.member_client_ids, adminUid);
  if (members.length > deps.maxMembers) {
    throw invalidParameter(
      'member_client_ids',
      `a group holds at most ${deps.maxMembers} members; ${members.length} were given`,
    );
  }
  // The created event carries the whole list, as will the deleted event one day.
  assertFits('member_client_ids', members, deps.memberListBytes);
  return {
    organization_id: request.organization_id,
    group_name: request.group_name.trim(),
    members,
    conversion_id: request.conversion_id ?? '',
    group_avatar: request.group_avatar ?? '',
    admin_uid: adminUid,
    description: request.description ?? '',
  };
}

/**
 * Reserves the id (the group is `pending`, invisible), then runs the created event through the
 * outbox flow with the group as reserved (not read back), which claims the conversation, adds the
 * members and makes the group `active`. With an Idempotency-Key the event is recorded on the
 * claim first, under the group's lock, before its outbox record.
 */
async function createGroup(
  deps: GroupDeps,
  draft: GroupDraft,
  claim: KeyClaim | null,
): Promise<CreateGroupReply> {
  const at = new Date();
  // An empty conversion_id gets one shaped like the IM provider's: 24 hex characters.
  const conversionId = draft.conversion_id || randomBytes(12).toString('hex');
  const group = await deps.groups.reserve({
    organization_id: draft.organization_id,
    group_name: draft.group_name,
    conversion_id: conversionId,
    group_avatar: draft.group_avatar,
    admin_uid: draft.admin_uid,
    description: draft.description,
    name_set_at: at,
    idempotency_scope: claim?.scope ?? null,
    created_at: at,
  });
  const event = groupEvent(
    'created',
    { id: group.id, organization_id: draft.organization_id, conversion_id: conversionId },
    {
      member_client_ids: draft.members,
      group_name: draft.group_name,
      group_avatar: draft.group_avatar,
      admin_uid: draft.admin_uid,
      description: draft.description,
    },
    at,
  );
  const before = claim ? () => recordIntent(deps, claim, event) : undefined;
  const outcome = await deps.flow.run(event, { group, before });
  if (outcome === 'conversation_taken') throw conversationTaken(conversionId);
  return createdReply(event);
}
