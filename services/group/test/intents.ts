import type { GroupCreatedEvent } from '@im/contracts';
import { Counters } from '@im/store';
import type { Db } from 'mongodb';
import type { ChangeStores } from '../src/changes/changes.js';
import { groupEvent } from '../src/changes/group-events.js';
import { EventOutcomes } from '../src/repositories/event-outcomes.js';
import { GroupConversations } from '../src/repositories/group-conversations.js';
import { GroupLists } from '../src/repositories/group-lists.js';
import { GroupMembers } from '../src/repositories/group-members.js';
import { GroupTombstones } from '../src/repositories/group-tombstones.js';
import { type GroupDoc, Groups } from '../src/repositories/groups.js';
import { IdempotencyKeys } from '../src/repositories/idempotency-keys.js';

/**
 * For tests that write what a crash leaves behind step by step: the service's stores on `db`
 * (their own GroupChanges applies an event as the service would), and a create's first steps.
 */
export function changeStores(db: Db): ChangeStores {
  return {
    groups: new Groups(db, new Counters(db)),
    members: new GroupMembers(db),
    lists: new GroupLists(db),
    tombstones: new GroupTombstones(db),
    keys: new IdempotencyKeys(db),
    outcomes: new EventOutcomes(db),
    conversations: new GroupConversations(db),
  };
}

export interface PendingCreate {
  organization_id: number;
  conversion_id: string;
  group_name: string;
  members: string[];
  /** The Idempotency-Key scope the create was made with. */
  scope?: string;
}

/** A create as far as its reserved id: the `pending` group and the created event for it. */
export async function pendingCreate(
  groups: Groups,
  c: PendingCreate,
): Promise<{ group: GroupDoc; event: GroupCreatedEvent }> {
  const at = new Date();
  const common = { group_name: c.group_name, group_avatar: '', admin_uid: '', description: '' };
  const group = await groups.reserve({
    ...common,
    organization_id: c.organization_id,
    conversion_id: c.conversion_id,
    name_set_at: at,
    idempotency_scope: c.scope ?? null,
    created_at: at,
  });
  const ref = { id: group.id, organization_id: c.organization_id, conversion_id: c.conversion_id };
  return { group, event: groupEvent('created', ref, { ...common, member_client_ids: c.members }, at) };
}
