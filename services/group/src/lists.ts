/**
 * The pure parts of requests: member lists. Kept apart from the handlers so they are
 * tested without a database.
 */

/** `a:b:a:c` → `['a', 'b', 'c']`: each id once, in the order first given. */
export function parseMemberIds(list: string): string[] {
  return [...new Set(list.split(':'))];
}

/** The members a new group gets: the listed ones, then the admin when not listed. */
export function initialMembers(list: string, adminUid: string): string[] {
  const members = parseMemberIds(list);
  if (adminUid !== '' && !members.includes(adminUid)) members.push(adminUid);
  return members;
}
