import type { GroupEvent } from '@im/contracts';
import { KeyLock } from '@im/store';
import type { EventOutcomes, Outcome } from '../repositories/event-outcomes.js';
import type { GroupConversations } from '../repositories/group-conversations.js';
import type { GroupLists } from '../repositories/group-lists.js';
import type { GroupMembers } from '../repositories/group-members.js';
import type { GroupTombstones } from '../repositories/group-tombstones.js';
import type { GroupDoc, Groups } from '../repositories/groups.js';
import type { IdempotencyKeys } from '../repositories/idempotency-keys.js';
import { Decisions } from './decisions.js';

export interface ChangeStores {
  groups: Groups;
  members: GroupMembers;
  lists: GroupLists;
  tombstones: GroupTombstones;
  keys: IdempotencyKeys;
  outcomes: EventOutcomes;
  conversations: GroupConversations;
}

/** A group as the request that made an event read or wrote it, handed to the apply. */
export interface KnownGroup {
  group?: GroupDoc | undefined;
  /**
   * `GroupChanges.renames` just before the request read the group. Its name is taken as current
   * only when no rename was applied in this process since; absent where the name does not matter
   * (a delete) or cannot have changed (a create's pending group).
   */
  renames?: number | undefined;
}

/**
 * Applies the change an event announces. Every write is idempotent (inserts guarded by unique
 * indexes, conditional updates), so the request and the relay may both run it, in this copy of the
 * service or another; the outcome is decided once. The tombstone, insert-once, is what says a group
 * is deleted: every change of an existing group writes, then looks for it. That order also holds
 * where updates are not atomic and a rename racing a delete could write `active` back
 * (docs/ferretdb.md, "Updates").
 *
 * A create claims its conversation here, from the intent, not when the id is reserved: a create
 * that dies before writing its intent leaves a pending group that holds nothing, and one whose
 * conversation is taken is refused (`conversation_taken`) before any member is written.
 *
 * The changes of one group run one at a time in this process (a KeyLock on the group id): the
 * member list, the members' lists of groups and the organization's list change together. Another
 * copy may run a change of the same group meanwhile: each list write is a compare-and-set
 * (SortedLists) and each group write a conditional update (Groups), so neither loses the other's.
 *
 * The lists the reads page through (GroupLists) follow the group: a created group is listed in
 * its organization and in each member's list before it becomes active; a deleted one is taken
 * out of both after its tombstone; a rename rewrites the entries; adds and removes change the
 * members' lists.
 *
 * Outcomes (Decisions) are read before an event that may have been applied already is applied
 * (`apply`: the relay, a repeat finishing a recorded create), never for one the request has just
 * made (`applyNew`): see there.
 */
export class GroupChanges {
  readonly #locks = new KeyLock();
  readonly #decisions: Decisions;
  #renames = 0;

  constructor(private readonly stores: ChangeStores) {
    this.#decisions = new Decisions(stores);
  }

  /**
   * Renames applied by this process so far. Every change of a group in this process runs under
   * its lock, so a group read before the lock is still current in this process unless this moved.
   */
  get renames(): number {
    return this.#renames;
  }

  /**
   * Applies an event that may have been applied already. A decided outcome is answered, never
   * applied again: an add replayed after a later remove would otherwise bring its members back.
   */
  apply(event: GroupEvent): Promise<Outcome> {
    return this.#locks.run(String(event.group_id), () => this.#replay(event));
  }

  /**
   * Applies an event this request has just made, right after `write` has written its intent,
   * under the group's lock taken before that write. Its outcome is not asked for, as nobody can
   * have decided it: the relay of this process and a repeat in it wait for the lock, and those of
   * other copies take an intent only once it is 2 s old (RELAY_MIN_AGE_MS, the repeat's
   * FINISH_AFTER_MS). A request stalled that long between its write and its apply meets them
   * applying with it, as one stalled after an outcome read did: every step is idempotent. `known`
   * is the group as the request wrote or read it, not read again. `write` answers false when the
   * intent was there already: then as `apply`.
   */
  applyNew(event: GroupEvent, write: () => Promise<boolean>, known: KnownGroup = {}): Promise<Outcome> {
    return this.#locks.run(String(event.group_id), async () => {
      if (!(await write())) return this.#replay(event);
      let group = known.group;
      if (event.type === 'members_added' && known.renames !== this.#renames) group = undefined;
      // A create's outcome is its group's activation (Decisions): it needs the group.
      if (!group && event.type === 'created')
        group = (await this.stores.groups.find(event.group_id)) ?? undefined;
      return this.#decisions.record(event, group, await this.#change(event, group));
    });
  }

  async #replay(event: GroupEvent): Promise<Outcome> {
    const { outcome, group } = await this.#decisions.recorded(event);
    if (outcome) return outcome;
    return this.#decisions.record(event, group, await this.#change(event, group));
  }

  /** `group`: the event's group as stored, when the caller has it (null: there is none). */
  async #change(event: GroupEvent, group: GroupDoc | null | undefined): Promise<Outcome> {
    const { groups, members, lists, tombstones, keys } = this.stores;
    const groupId = event.group_id;
    switch (event.type) {
      case 'created': {
        const scope = group?.idempotency_scope;
        if (!(await this.#claimConversation(event))) {
          if (scope) await keys.releaseRefused(scope, event.event_id);
          return 'conversation_taken';
        }
        // Members and lists, in parallel: the group becomes visible only with all of them, when
        // Decisions records the outcome by activating it.
        const live = group && { ...group, group_name: event.group_name };
        await Promise.all([
          members.create(groupId, event.member_client_ids),
          live && lists.joined(live, event.member_client_ids),
          live && lists.listed(live),
        ]);
        return 'applied';
      }
      case 'updated': {
        // Counted after the write, under the lock: a group read before may carry the old name.
        const renamed = await groups
          .rename(groupId, event.group_name, new Date(event.occurred_at))
          .finally(() => this.#renames++);
        if (!(await tombstones.exists(groupId))) {
          const current = renamed ? await groups.find(groupId) : null;
          if (current) await lists.renamed(current, await members.list(groupId));
          return 'applied';
        }
        await groups.markDeleted(groupId); // where updates are not atomic our write may have revived it
        return 'group_deleted';
      }
      case 'deleted': {
        const deletedBy = await tombstones.record(groupId, event.event_id);
        await groups.markDeleted(groupId);
        if (deletedBy !== event.event_id) return 'superseded';
        // After the tombstone: from here on the conversation may be claimed by a new group.
        await this.stores.conversations.release(event.conversion_id, groupId);
        // Its id and organization are all the unlisting needs, and they never change.
        const listed = group === undefined ? await groups.find(groupId) : group;
        if (listed) await lists.unlisted(listed);
        await lists.left(groupId, await members.list(groupId));
        return 'applied';
      }
      case 'members_added': {
        const ids = event.member_client_ids;
        // The group as the request read it, or read again (a rename since: applyNew). `deleted`
        // refuses at once: it follows the tombstone, so it is never wrong (`active` can be where
        // updates are not atomic: the tombstone is looked for after the inserts). Members of a
        // deleted group are invisible (every read goes through the group): inserts stay.
        const [current] = await Promise.all([
          (group ? Promise.resolve(group) : groups.find(groupId)).then(async (g) => {
            if (g && g.status !== 'deleted') await lists.joined(g, ids);
            return g;
          }),
          members.insertMissing(groupId, ids),
        ]);
        if (current?.status === 'deleted') return 'group_deleted';
        if (!(await tombstones.exists(groupId))) return 'applied';
        // Deleted meanwhile: its delete may have read the members before ours went in.
        await lists.left(groupId, ids);
        return 'group_deleted';
      }
      case 'members_removed': {
        await members.remove(groupId, event.member_client_ids);
        await lists.left(groupId, event.member_client_ids);
        return (await tombstones.exists(groupId)) ? 'group_deleted' : 'applied';
      }
    }
  }

  /**
   * Claims the event's conversation for its group. A claim still held by a deleted group (its
   * delete stopped between the tombstone and the release) is given back and claimed again.
   */
  async #claimConversation(event: GroupEvent): Promise<boolean> {
    const { conversations, tombstones } = this.stores;
    for (let round = 0; round < 3; round++) {
      const holder = await conversations.claim(event.conversion_id, event.group_id);
      if (holder === event.group_id) return true;
      if (!(await tombstones.exists(holder))) return false;
      await conversations.release(event.conversion_id, holder);
    }
    return false;
  }
}
