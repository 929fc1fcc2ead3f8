import { type Caller, forbidden, isOrgAdminOf, isService } from '@im/contracts';

// Messages quote (`quote`) the text a caller sent; class and organization ids are schema-checked
// integers and appear as they are.

/**
 * Who may push to a class and read its pushes (README, "Security"): an org_admin of the class's
 * organization, as the directory projection knows it, or a service. A class whose organization is
 * unknown (deleted before it was ever announced) is a service's business only.
 */
export function assertMayUseClass(
  caller: Caller,
  classId: number,
  organizationId: number | undefined,
  action: string,
): void {
  if (isService(caller)) return;
  if (organizationId !== undefined && isOrgAdminOf(caller, organizationId)) return;
  const owner = organizationId === undefined ? 'an unknown organization' : `organization ${organizationId}`;
  throw forbidden(
    'class_id',
    `class ${classId} belongs to ${owner}; ${action} takes an org_admin of it or a service`,
  );
}
