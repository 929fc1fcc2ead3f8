import { randomBytes } from 'node:crypto';
import { defineEndpoint } from '@im/bus';
import { type CreateGroupReply, CreateGroupRequest, GroupSubjects, invalidParameter } from '@im/contracts';
import { assertMayCreate } from '../authorize.js';
import { createdReply, groupEvent } from '../events/group-events.js';
import { initialMembers } from '../lists.js';
import type { GroupDeps } from './deps.js';
import { createOnce, type GroupDraft } from './idempotent-create.js';

/** `POST /im/group`. With an Idempotency-Key, a repeat answers the first 201 and creates nothing. */
export const createGroupEndpoint = (deps: GroupDeps) =>
  defineEndpoint({
    name: 'create',
    subject: GroupSubjects.create,
    request: CreateGroupRequest,
    handle: async (request, { caller }): Promise<CreateGroupReply> => {
      assertMayCreate(caller, request.organization_id);
      const draft = draftOf(request, deps.maxMembers);
      const key = request.idempotency_key;
      if (key === undefined) return createGroup(deps, draft, null);
      return createOnce(deps, draft, key, (scope) => createGroup(deps, draft, scope));
    },
  });

/** The request, normalized: what is stored, hashed for the idempotency check, and echoed. */
function draftOf(request: CreateGroupRequest, maxMembers: number): GroupDraft {
  const adminUid = request.admin_uid ?? '';
  const members = initialMembers(request.member_client_ids, adminUid);
  if (members.length > maxMembers) {
    throw invalidParameter(
      'member_client_ids',
      `a group holds at most ${maxMembers} members; ${members.length} were given`,
    );
  }
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
 * outbox flow, which adds the members and makes the group `active`.
 */
async function createGroup(
  deps: GroupDeps,
  draft: GroupDraft,
  scope: string | null,
): Promise<CreateGroupReply> {
  const at = new Date();
  // An empty conversion_id gets one shaped like the IM provider's: 24 hex characters.
  const conversionId = draft.conversion_id || randomBytes(12).toString('hex');
  const groupId = await deps.groups.reserve({
    organization_id: draft.organization_id,
    group_name: draft.group_name,
    conversion_id: conversionId,
    group_avatar: draft.group_avatar,
    admin_uid: draft.admin_uid,
    description: draft.description,
    name_set_at: at,
    idempotency_scope: scope,
    created_at: at,
  });
  const event = groupEvent(
    'created',
    { id: groupId, organization_id: draft.organization_id, conversion_id: conversionId },
    {
      member_client_ids: draft.members,
      group_name: draft.group_name,
      group_avatar: draft.group_avatar,
      admin_uid: draft.admin_uid,
      description: draft.description,
    },
    at,
  );
  await deps.flow.run(event);
  return createdReply(event);
}
