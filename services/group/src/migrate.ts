import type { Outbox } from '@im/events';
import type { Logger } from '@im/log';
import { isDuplicateKeyError, runOnce } from '@im/store';
import type { Collection, Db, Document } from 'mongodb';
import { type DirectoryUsers, directoryUserId } from './projections/directory-users.js';
import type { EventOutcomes, Outcome } from './repositories/event-outcomes.js';
import type { GroupConversations } from './repositories/group-conversations.js';
import type { GroupLists } from './repositories/group-lists.js';
import type { GroupMembers } from './repositories/group-members.js';
import { type GroupDoc, type Groups, groupKey } from './repositories/groups.js';
import type { IdempotencyKeys } from './repositories/idempotency-keys.js';

/** The mark that says this start's one-time conversion is done (`group_migrations`). */
export const LOOKUPS_MIGRATION = 'string-id-lookups-1';

const BATCH = 1_000;

/**
 * One-time conversion, at start, of what versions before the string-`_id` look-ups wrote
 * (docs/group.md, "Upgrading"): groups under ObjectIds become `_id: String(id)`; the member records
 * of `group_members` become member lists, members' lists of groups and organizations' lists;
 * numeric tombstones become string ones; deleted groups are recorded as their conversation's last
 * holder; directory users get `_id: "<org>:<uid>"` and their organization's list; outbox records
 * already sent are deleted (the outbox now holds pending work only), the outcomes of pending ones
 * move to their day collection; existing Idempotency-Keys join the expiry queue. Each step
 * tolerates being run twice (a crash before the mark). Scans once; later starts read one document.
 */
export function migrateLookups(
  db: Db,
  s: {
    members: GroupMembers;
    lists: GroupLists;
    conversations: GroupConversations;
    users: DirectoryUsers;
    outbox: Outbox;
    outcomes: EventOutcomes;
    keys: IdempotencyKeys;
  },
  log: Logger,
): Promise<boolean> {
  return once(db, LOOKUPS_MIGRATION, (existing) => convertLookups(db, existing, s, log));
}

async function convertLookups(
  db: Db,
  existing: Set<string>,
  s: Parameters<typeof migrateLookups>[1],
  log: Logger,
): Promise<void> {
  const done: Record<string, number> = {};

  // Groups: copy under the string `_id`, then delete the old document (the old unique index on
  // `id` would refuse the copy: dropped first).
  const groups = db.collection<Document>('groups');
  const live = new Map<number, GroupDoc>();
  if (existing.has('groups')) {
    await groups.dropIndex('id_1').catch(() => undefined);
    const old: unknown[] = [];
    const copies: Document[] = [];
    for await (const doc of groups.find({})) {
      const { _id, ...group } = doc;
      if (typeof _id !== 'string') {
        old.push(_id);
        copies.push({ _id: groupKey(group.id as number), ...group });
      }
      if (group.status === 'active') live.set(group.id as number, group as GroupDoc);
      if (group.status === 'deleted' && group.conversion_id) {
        await s.conversations.recordLast(group.conversion_id as string, group.id as number);
      }
    }
    for (let i = 0; i < copies.length; i += BATCH) await insertAll(groups, copies.slice(i, i + BATCH));
    for (let i = 0; i < old.length; i += BATCH) {
      await groups.deleteMany({ _id: { $in: old.slice(i, i + BATCH) } } as Document);
    }
    done.groups = copies.length;
    for (const g of live.values()) await s.lists.listed(g);
  }
  if (!(await s.conversations.backfilled())) {
    const oldestFirst = [...live.values()].sort((a, b) => a.id - b.id);
    done.conversation_claims = await s.conversations.backfill(
      (async function* () {
        yield* oldestFirst;
      })(),
    );
  }

  // Members: the records of live groups into lists (deleted groups' members are never read).
  if (existing.has('group_members')) {
    const byGroup = new Map<number, string[]>();
    for await (const m of db.collection<Document>('group_members').find({})) {
      const groupId = m.group_id as number;
      if (!live.has(groupId)) continue;
      (byGroup.get(groupId) ?? byGroup.set(groupId, []).get(groupId)!).push(m.client_id as string);
    }
    for (const [groupId, ids] of byGroup) {
      await s.members.insertMissing(groupId, ids);
      await s.lists.joined(live.get(groupId)!, ids);
    }
    done.members = byGroup.size;
  }

  if (existing.has('group_tombstones')) {
    const tombstones = db.collection<Document>('group_tombstones');
    const copies: Document[] = [];
    for await (const t of tombstones.find({})) {
      if (typeof t._id === 'number') copies.push({ ...t, _id: String(t._id) });
    }
    await insertAll(tombstones, copies);
    done.tombstones = copies.length;
  }

  if (existing.has('group_directory_users')) {
    const users = s.users.collection as unknown as Collection<Document>;
    await users.dropIndex('organization_id_1_uid_1').catch(() => undefined);
    const old: unknown[] = [];
    const copies: Document[] = [];
    for await (const u of users.find({})) {
      if (typeof u._id === 'string') continue;
      old.push(u._id);
      const { _id, ...rest } = u;
      copies.push({ _id: directoryUserId(rest.organization_id, rest.uid), ...rest });
      await s.users.list(rest as never);
    }
    await insertAll(users, copies);
    for (let i = 0; i < old.length; i += BATCH) {
      await users.deleteMany({ _id: { $in: old.slice(i, i + BATCH) } } as Document);
    }
    done.directory_users = copies.length;
  }

  done.sent_outbox_records = await s.outbox.purgeSent();
  if (existing.has('group_event_outcomes')) {
    const legacy = db.collection<{ _id: string; outcome: Outcome }>('group_event_outcomes');
    for (const pending of await s.outbox.findPending(new Date(8.64e15), 10_000, new Date(8.64e15))) {
      const decided = await legacy.findOne({ _id: pending.id });
      const at = (pending.payload as { occurred_at?: string }).occurred_at;
      if (decided && at) await s.outcomes.decide({ event_id: pending.id, occurred_at: at }, decided.outcome);
    }
    await db.dropCollection('group_event_outcomes').catch(() => undefined);
  }

  if (existing.has('group_idempotency_keys')) {
    let keys = 0;
    for await (const k of db
      .collection<Document>('group_idempotency_keys')
      .find({}, { projection: { created_at: 1 } })) {
      await s.keys.enqueue(String(k._id), k.created_at as Date);
      keys++;
    }
    done.idempotency_keys = keys;
  }

  log.info(done, 'converted data of older versions to string-_id look-ups');
}

/** The mark of the conversion from one list of groups per client to membership documents. */
export const MEMBERSHIPS_MIGRATION = 'user-memberships-1';

/**
 * One-time conversion, at start, of the members' lists of groups of the versions before
 * `group_memberships` (`group_user_lists`, a sorted list per client): every live group's members
 * get their membership documents, built from the group's member list (which both versions keep),
 * then the old lists are dropped. Run again after a crash it inserts nothing twice. Reads each live
 * group once; later starts read one document.
 */
export function migrateMemberships(
  db: Db,
  s: { groups: Groups; members: GroupMembers; lists: GroupLists },
  log: Logger,
): Promise<boolean> {
  return once(db, MEMBERSHIPS_MIGRATION, async (existing) => {
    if (!existing.has('group_user_lists')) return;
    let groups = 0;
    for await (const group of s.groups.collection.find({ status: 'active' })) {
      await s.lists.joined(group, await s.members.list(group.id));
      groups++;
    }
    await db.dropCollection('group_user_lists').catch(() => undefined);
    log.info({ groups }, "converted the members' lists of groups to membership documents");
  });
}

/** A one-time conversion under its mark in `group_migrations` (runOnce). */
const once = (db: Db, mark: string, work: (existing: Set<string>) => Promise<void>): Promise<boolean> =>
  runOnce(db, 'group_migrations', mark, work);

async function insertAll(collection: Collection<Document>, docs: Document[]): Promise<void> {
  if (docs.length === 0) return;
  try {
    await collection.insertMany(docs, { ordered: false });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error; // copied by an earlier, interrupted run
  }
}
