import type { GroupEvent } from '@im/contracts';
import { KeyLock } from '@im/store';
import type { EventOutcomes, Outcome } from '../repositories/event-outcomes.js';
import type { GroupConversations } from '../repositories/group-conversations.js';
import type { GroupLists } from '../repositories/group-lists.js';
import type { GroupMembers } from '../repositories/group-members.js';
import type { GroupTombstones } from '../repositories/group-tombstones.js';
import type { Groups } from '../repositories/groups.js';
import type { IdempotencyKeys } from '../repositories/idempotency-keys.js';
import { createdReply } from './group-events.js';

export interface ChangeStores {
  groups: Groups;
  members: GroupMembers;
  lists: GroupLists;
  tombstones: GroupTombstones;
  keys: IdempotencyKeys;
  outcomes: EventOutcomes;
  conversations: GroupConversations;
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
 */
export class GroupChanges {
  readonly #locks = new KeyLock();

  constructor(private readonly stores: ChangeStores) {}

  apply(event: GroupEvent): Promise<Outcome> {
    return this.#locks.run(String(event.group_id), async () => {
      const decided = await this.stores.outcomes.get(event);
      if (decided) return decided;
      return this.stores.outcomes.decide(event, await this.#change(event));
    });
  }

  async #change(event: GroupEvent): Promise<Outcome> {
    const { groups, members, lists, tombstones, keys } = this.stores;
    const groupId = event.group_id;
    switch (event.type) {
      case 'created': {
        const group = await groups.find(groupId);
        const scope = group?.idempotency_scope;
        if (!(await this.#claimConversation(event))) {
          if (scope) await keys.releaseRefused(scope, event.event_id);
          return 'conversation_taken';
        }
        // Members and lists first: the group becomes visible only with all of them.
        await members.insertMissing(groupId, event.member_client_ids);
        if (group) {
          const live = { ...group, group_name: event.group_name };
          await Promise.all([lists.joined(live, event.member_client_ids), lists.listed(live)]);
        }
        await groups.activate(groupId);
        if (scope) await keys.complete(scope, createdReply(event));
        return 'applied';
      }
      case 'updated': {
        const renamed = await groups.rename(groupId, event.group_name, new Date(event.occurred_at));
        if (!(await tombstones.exists(groupId))) {
          const group = renamed ? await groups.find(groupId) : null;
          if (group) await lists.renamed(group, await members.list(groupId));
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
        const group = await groups.find(groupId);
        if (group) await lists.unlisted(group);
        await lists.left(groupId, await members.list(groupId));
        return 'applied';
      }
      case 'members_added': {
        // Members of a deleted group are invisible (every read goes through the group), so an add
        // that lost the race is refused without undoing its inserts into the member list.
        if (await tombstones.exists(groupId)) return 'group_deleted';
        await members.insertMissing(groupId, event.member_client_ids);
        const group = await groups.find(groupId);
        if (group) await lists.joined(group, event.member_client_ids);
        if (!(await tombstones.exists(groupId))) return 'applied';
        // Deleted meanwhile: its delete may have read the members before ours went in.
        await lists.left(groupId, event.member_client_ids);
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
