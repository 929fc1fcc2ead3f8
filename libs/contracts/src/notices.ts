import { type Static, Type } from '@sinclair/typebox';

/**
 * Change notices: core NATS, on no stream, published by the owner of some data after it changed,
 * to every copy of the services that keep a copy of it in memory (no queue group). A notice only
 * makes its readers drop what they kept; a lost one is bounded by how long they keep anything
 * (`NoticedCache` in @im/events), so nothing depends on its delivery.
 */
export const NoticeSubjects = {
  /** The workers: the delivered or read count of these pushes (keys: push ids) changed. */
  pushCounts: 'im.notices.push_counts',
  /** The workers: these students' inboxes (keys: client ids) changed (a delivery, a first mark). */
  inboxes: 'im.notices.inboxes',
  /** The broadcast service: these classes (keys: class ids) changed in its copy of the directory. */
  classes: 'im.notices.classes',
  /** The group service: these organizations' lists of groups (keys: organization ids) changed. */
  orgGroupLists: 'im.notices.org_group_lists',
  /** The group service: these organizations' lists of users in its directory copy (keys: organization ids) changed. */
  orgUserLists: 'im.notices.org_user_lists',
} as const;

/**
 * How long a copy answers a value it keeps without hearing a notice of it: what a lost notice
 * (core NATS, a reconnect not yet seen) can cost at most, the same for every kept value (README
 * "Events").
 */
export const NOTICE_MAX_AGE_MS = 10_000;

/** Most keys one notice carries: a fan-out chunk or a mark names one push, a directory event one class. */
export const MAX_NOTICE_KEYS = 100;

export const ChangeNotice = Type.Object(
  {
    keys: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      minItems: 1,
      maxItems: MAX_NOTICE_KEYS,
    }),
  },
  { additionalProperties: false },
);
export type ChangeNotice = Static<typeof ChangeNotice>;
