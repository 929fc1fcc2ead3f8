import type { GroupEvent } from '@im/contracts';
import type { EventOutcomes, Outcome } from '../repositories/event-outcomes.js';
import type { GroupConversations } from '../repositories/group-conversations.js';
import type { GroupMembers } from '../repositories/group-members.js';
import type { GroupTombstones } from '../repositories/group-tombstones.js';
import type { Groups } from '../repositories/groups.js';
import type { IdempotencyKeys } from '../repositories/idempotency-keys.js';
import { createdReply } from './group-events.js';

export interface ChangeStores {
  groups: Groups;
  members: GroupMembers;
  tombstones: GroupTombstones;
  keys: IdempotencyKeys;
  outcomes: EventOutcomes;
  conversations: GroupConversations;
}

/**
 * Applies the change an event announces. Every write is idempotent (inserts guarded by unique
 * indexes, conditional updates), so the request and the relay may both run it; the outcome is
 * decided once. No write relies on the atomicity of an update: a rename racing a delete may write
 * `active` back (docs/ferretdb.md, "Updates"). Hence the order "write, then look for the
 * tombstone" in every change of an existing group.
 *
 * A create claims its conversation here, from the intent, not when the id is reserved: a create
 * that dies before writing its intent leaves a pending group that holds nothing, and one whose
 * conversation is taken is refused (`conversation_taken`) before any member is written.
 */
export class GroupChanges {
  constructor(private readonly stores: ChangeStores) {}

  async apply(event: GroupEvent): Promise<Outcome> {
    const decided = await this.stores.outcomes.get(event.event_id);
    if (decided) return decided;
    return this.stores.outcomes.decide(event.event_id, await this.#change(event));
  }

  async #change(event: GroupEvent): Promise<Outcome> {
    const { groups, members, tombstones, keys } = this.stores;
    const groupId = event.group_id;
    switch (event.type) {
      case 'created': {
        const scope = (await groups.find(groupId))?.idempotency_scope;
        if (!(await this.#claimConversation(event))) {
          if (scope) await keys.releaseRefused(scope, event.event_id);
          return 'conversation_taken';
        }
        // Members first: the group becomes visible only with all of them.
        await members.insertMissing(groupId, event.member_client_ids, event.event_id);
        await groups.activate(groupId);
        if (scope) await keys.complete(scope, createdReply(event));
        return 'applied';
      }
      case 'updated': {
        await groups.rename(groupId, event.group_name, new Date(event.occurred_at));
        if (!(await tombstones.exists(groupId))) return 'applied';
        await groups.markDeleted(groupId); // our write may have revived it: put the deletion back
        return 'group_deleted';
      }
      case 'deleted': {
        const deletedBy = await tombstones.record(groupId, event.event_id);
        await groups.markDeleted(groupId);
        if (deletedBy !== event.event_id) return 'superseded';
        // After the tombstone: from here on the conversation may be claimed by a new group.
        await this.stores.conversations.release(event.conversion_id, groupId);
        return 'applied';
      }
      case 'members_added': {
        // Members of a deleted group are invisible (every read goes through the group), so an add
        // that lost the race is refused without undoing its inserts.
        await members.insertMissing(groupId, event.member_client_ids, event.event_id);
        return (await tombstones.exists(groupId)) ? 'group_deleted' : 'applied';
      }
      case 'members_removed': {
        await members.remove(groupId, event.member_client_ids);
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
