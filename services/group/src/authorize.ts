import { belongsTo, type Caller, forbidden, isOrgAdminOf, isSelf, isService, quote } from '@im/contracts';
import type { GroupDoc } from './repositories/groups.js';

/**
 * Who may do what to groups (README, "Security"). Each rule reads the facts it needs from the
 * group itself, so it is decided here, next to the data, and never trusted to the gateway.
 * A service (an internal system) may do everything.
 */
export type GroupFacts = Pick<GroupDoc, 'id' | 'organization_id' | 'admin_uid'>;

/** The group's admin, an org_admin of its organization, or a service. */
export function managesGroup(caller: Caller, group: GroupFacts): boolean {
  return (
    isService(caller) ||
    isOrgAdminOf(caller, group.organization_id) ||
    (group.admin_uid !== '' && isSelf(caller, group.admin_uid))
  );
}

export function assertMayCreate(caller: Caller, organizationId: number): void {
  if (isService(caller) || isOrgAdminOf(caller, organizationId)) return;
  throw forbidden(
    'organization_id',
    `creating a group in organization ${organizationId} takes an org_admin of it or a service`,
  );
}

/** Renaming, deleting, adding members. */
export function assertMayManage(caller: Caller, group: GroupFacts, action: string): void {
  if (managesGroup(caller, group)) return;
  throw forbidden(
    'group_id',
    `${action} group ${group.id} takes its admin, an org_admin of its organization or a service`,
  );
}

/** Managers remove anyone; any member may remove only themself (leaving the group). */
export function assertMayRemove(caller: Caller, group: GroupFacts, asked: readonly string[]): void {
  if (managesGroup(caller, group)) return;
  if (asked.length === 1 && isSelf(caller, asked[0]!)) return;
  throw forbidden(
    'member_client_ids',
    `removing others from group ${group.id} takes its admin, an org_admin of its organization or a service; a member may only remove itself`,
  );
}

/** An organization's groups and contacts: its members, or a service. */
export function assertMayReadOrganization(caller: Caller, organizationId: number): void {
  if (isService(caller) || belongsTo(caller, organizationId)) return;
  throw forbidden('organization_id', `only members of organization ${organizationId} may read it`);
}

/** A group: members of its organization, its own members (who may come from elsewhere), or a service. */
export function assertMayReadGroup(caller: Caller, group: GroupFacts, members: readonly string[]): void {
  if (isService(caller) || belongsTo(caller, group.organization_id) || members.includes(caller.sub)) return;
  throw forbidden('group_id', `group ${group.id} is readable by its members and its organization's`);
}

/** Which groups a client is in: that client itself, or a service. */
export function assertMayListGroupsOf(caller: Caller, clientId: string): void {
  if (isService(caller) || isSelf(caller, clientId)) return;
  throw forbidden('client_id', `only ${quote(clientId)} itself or a service may list its groups`);
}
