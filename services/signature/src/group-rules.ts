import {
  AppError,
  type Caller,
  type ConversationGroup,
  ErrorCode,
  forbidden,
  isOrgAdminOf,
  isSelf,
  isService,
  quote,
} from '@im/contracts';
import type { MemberAction } from './signing.js';

/** What to do with invite, kick and join on a conversation that no group owns. */
export type UnownedConversations = 'allow' | 'refuse';

export interface MemberActionAsk {
  action: MemberAction;
  clientId: string;
  conversionId: string;
  /** Normalized: each id once, ascending; empty for a join. */
  members: readonly string[];
}

const MANAGERS = 'its admin, an org_admin of its organization or a service';

/**
 * A signature for a group's conversation is what the REST API would allow on that group
 * (README, "Security"), because at the IM provider the signature is the whole permission:
 * - invite: the group's managers (its admin, an org_admin of its organization, a service);
 * - join (invite with no members): the managers and the group's current members. The REST API
 *   has no self-join (adding members takes a manager), so an outsider, even of the same
 *   organization, cannot sign its own way in;
 * - kick: the managers, or anyone kicking only itself (leaving); never the group's admin, whom
 *   the REST API refuses to remove even for an org_admin or a service.
 * A deleted group is a 404 for everyone, as on every REST route. A conversation no group owns
 * keeps the rule of the caller signing for itself (checked before this), unless the service is
 * set to refuse those; a service is trusted with them either way.
 */
export function assertGroupAllows(
  caller: Caller,
  ask: MemberActionAsk,
  group: ConversationGroup | null,
  unowned: UnownedConversations,
): void {
  if (group === null) {
    if (unowned === 'allow' || isService(caller)) return;
    throw forbidden(
      'conversion_id',
      `${quote(ask.conversionId)} belongs to no group; invite, kick and join are signed for group conversations only`,
    );
  }
  if (group.status === 'deleted') {
    throw new AppError(
      ErrorCode.GroupNotFound,
      `conversion_id: the group of conversation ${quote(ask.conversionId)} was deleted`,
    );
  }
  const manages =
    isService(caller) ||
    isOrgAdminOf(caller, group.organization_id) ||
    (group.admin_uid !== '' && isSelf(caller, group.admin_uid));
  const name = `group ${group.group_id}`;
  if (ask.action === 'kick') {
    const leaving = ask.members.length === 1 && isSelf(caller, ask.members[0]!);
    if (!manages && !leaving) {
      throw forbidden(
        'sorted_member_ids',
        `removing others from ${name} takes ${MANAGERS}; a member may only remove itself`,
      );
    }
    if (group.admin_uid !== '' && ask.members.includes(group.admin_uid)) {
      throw forbidden(
        'sorted_member_ids',
        `${quote(group.admin_uid)} is the admin of ${name} and cannot be removed`,
      );
    }
    return;
  }
  if (manages) return;
  if (ask.members.length === 0) {
    if (group.is_member) return;
    throw forbidden(
      'client_id',
      `${quote(ask.clientId)} is not a member of ${name}; joining takes a member, ${MANAGERS}`,
    );
  }
  throw forbidden(
    'client_id',
    `${quote(ask.clientId)} may not add members to ${name}: that takes ${MANAGERS}`,
  );
}
