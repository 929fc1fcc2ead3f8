import { AppError, ErrorCode, quote } from '@im/contracts';
import type { GroupEventFlow } from './changes/flow.js';
import type { DirectoryUsers } from './projections/directory-users.js';
import type { GroupConversations } from './repositories/group-conversations.js';
import type { GroupLists } from './repositories/group-lists.js';
import type { GroupMembers } from './repositories/group-members.js';
import type { GroupTombstones } from './repositories/group-tombstones.js';
import type { GroupDoc, Groups } from './repositories/groups.js';
import type { IdempotencyKeys } from './repositories/idempotency-keys.js';

/** What the handlers work with; handlers never reach the database but through these. */
export interface GroupDeps {
  groups: Groups;
  members: GroupMembers;
  lists: GroupLists;
  conversations: GroupConversations;
  tombstones: GroupTombstones;
  keys: IdempotencyKeys;
  users: DirectoryUsers;
  flow: GroupEventFlow;
  maxMembers: number;
  /** Bytes a member list may take as JSON: what every event carrying it can hold (member-budget.ts). */
  memberListBytes: number;
}

/** A create whose conversation a live group holds: 409, whatever organization that group is in. */
export function conversationTaken(conversionId: string): AppError {
  return new AppError(
    ErrorCode.Conflict,
    `conversion_id: ${quote(conversionId)} already belongs to another group; delete that group first`,
  );
}

export function groupNotFound(groupId: number): AppError {
  return new AppError(ErrorCode.GroupNotFound, `group_id: group ${groupId} not found`);
}

/** The group as reads see it: active, or a 404 (unknown and deleted look the same). */
export async function activeGroup(deps: GroupDeps, groupId: number): Promise<GroupDoc> {
  const group = await deps.groups.findActive(groupId);
  if (!group) throw groupNotFound(groupId);
  return group;
}
