import type { Caller, Callers } from './callers.js';
import type { Target } from './drive.js';
import type { VolumePlan } from './plan.js';
import { type ClassRoster, randomGenerator } from './school.js';

/** What a store holds that requests can name: its users, classes and groups. */
export interface StoreView {
  plan: VolumePlan;
  rosters: readonly ClassRoster[];
  /** Groups the store has; the write runs add the groups they create. */
  groupIds: number[];
}

export interface Route {
  name: string;
  /** The route as the API documents it, for the table. */
  path: string;
  next(): Target;
}

const JSON_BODY = { 'content-type': 'application/json' };

/**
 * The read routes, each request another caller and another class or group drawn from the store:
 * students read their inbox (the page apps open on, and its smallest page, whose cost is mostly
 * its total_count: there is no count-only route), admins a class's pushes, users the
 * organization's groups and contacts, a group, their own groups.
 */
export function readRoutes(view: StoreView, callers: Callers): Route[] {
  const { plan } = view;
  const random = randomGenerator(plan.seed + 1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const seededClasses = view.rosters.filter((r) => r.seeded);
  const students = callers.pool(seededClasses.flatMap((r) => r.studentUids));
  const users = callers.pool(Array.from({ length: plan.users }, (_, i) => String(i + 1)));
  const org = plan.organizationId;
  const get = (path: string, caller: Caller): Target => ({ method: 'GET', path, headers: caller.headers });
  return [
    {
      name: 'inbox page',
      path: 'GET /im/user/<id>/notifications',
      next: () => {
        const s = pick(students);
        return get(`/im/user/${s.uid}/notifications`, s);
      },
    },
    {
      name: 'inbox count',
      path: 'GET /im/user/<id>/notifications?per_page=1',
      next: () => {
        const s = pick(students);
        return get(`/im/user/${s.uid}/notifications?per_page=1`, s);
      },
    },
    {
      name: 'class pushes page',
      path: 'GET /im/class/<id>/pushes',
      next: () => get(`/im/class/${pick(seededClasses).classId}/pushes`, callers.admin),
    },
    {
      name: 'org groups page',
      path: 'GET /im/org/<id>/groups',
      next: () => get(`/im/org/${org}/groups`, pick(users)),
    },
    {
      name: 'contacts',
      path: 'GET /im/org/<id>/contacts',
      next: () => get(`/im/org/${org}/contacts`, pick(users)),
    },
    {
      name: 'group detail',
      path: 'GET /im/group/<id>?client_id=',
      next: () => {
        const u = pick(users);
        return get(`/im/group/${pick(view.groupIds)}?client_id=${u.uid}`, u);
      },
    },
    {
      name: "a user's groups",
      path: 'GET /im/user/<id>/groups',
      next: () => {
        const u = pick(users);
        return get(`/im/user/${u.uid}/groups`, u);
      },
    },
  ];
}

/** The write routes driven for a while: group create (10 members each) and members add (5 each). */
export function writeRoutes(view: StoreView, callers: Callers): Route[] {
  const { plan } = view;
  const random = randomGenerator(plan.seed + 2);
  const uid = () => String(1 + Math.floor(random() * plan.users));
  const someUids = (count: number) => [...new Set(Array.from({ length: count }, uid))];
  const headers = { ...callers.admin.headers, ...JSON_BODY };
  let created = 0;
  return [
    {
      name: 'group create',
      path: 'POST /im/group',
      next: () => {
        const members = someUids(10);
        const body = {
          group_name: `Bench group ${++created}`,
          member_client_ids: members.join(':'),
          organization_id: plan.organizationId,
          admin_uid: members[0],
        };
        return { method: 'POST', path: '/im/group', headers, body: JSON.stringify(body) };
      },
    },
    {
      name: 'members add',
      path: 'POST /im/group/<id>/member',
      next: () => {
        const groupId = view.groupIds[Math.floor(random() * view.groupIds.length)];
        const body = JSON.stringify({ member_client_ids: someUids(5).join(':') });
        return { method: 'POST', path: `/im/group/${groupId}/member`, headers, body };
      },
    },
  ];
}

/** One push to each class of the store, in class order (once a day each: one run only). */
export function pushRoute(view: StoreView, callers: Callers): Route {
  const headers = { ...callers.admin.headers, ...JSON_BODY };
  let next = 0;
  return {
    name: 'push',
    path: 'POST /im/org/<class_id>/message',
    next: () => {
      const roster = view.rosters[next++ % view.rosters.length]!;
      const body = JSON.stringify({ message: `Today's notice for class ${roster.classId}` });
      return { method: 'POST', path: `/im/org/${roster.classId}/message`, headers, body };
    },
  };
}
