import { type CreateGroupReply, type GetGroupReply, GroupEventSubjects, GroupSubjects } from '@im/contracts';
import { Counters } from '@im/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupChanges } from '../src/changes/changes.js';
import { groupEvent, toOutgoing } from '../src/changes/group-events.js';
import { EventOutcomes } from '../src/repositories/event-outcomes.js';
import { GroupConversations } from '../src/repositories/group-conversations.js';
import { GroupLists } from '../src/repositories/group-lists.js';
import { GroupMembers } from '../src/repositories/group-members.js';
import { GroupTombstones } from '../src/repositories/group-tombstones.js';
import { Groups } from '../src/repositories/groups.js';
import { IdempotencyKeys } from '../src/repositories/idempotency-keys.js';
import { type GroupHarness, startGroupHarness } from './harness.js';

/**
 * The states a crash leaves behind, written here step by step with the service's own stores, then
 * finished by the relay (run by hand: its timer is set far off so it never runs on its own).
 */
let h: GroupHarness;
let stores: ConstructorParameters<typeof GroupChanges>[0];

beforeAll(async () => {
  h = await startGroupHarness({ relayIntervalMs: 600_000 });
  const db = h.store.db;
  stores = {
    groups: new Groups(db, new Counters(db)),
    members: new GroupMembers(db),
    lists: new GroupLists(db),
    tombstones: new GroupTombstones(db),
    keys: new IdempotencyKeys(db),
    outcomes: new EventOutcomes(db),
    conversations: new GroupConversations(db),
  };
});
afterAll(() => h?.close());

const relayAll = () => h.service!.relay.runOnce(0);
const get = (group_id: number) => h.call<GetGroupReply>(GroupSubjects.get, { group_id });
const eventsOf = async (groupId: number) => (await h.events()).filter((e) => e.payload.group_id === groupId);

async function newGroup(members: string): Promise<CreateGroupReply> {
  return h.call<CreateGroupReply>(GroupSubjects.create, {
    group_name: 'r',
    member_client_ids: members,
    organization_id: 3,
  });
}

describe('the relay finishes what a crash left', () => {
  it('applies and publishes a create whose intent was written but never applied', async () => {
    const at = new Date();
    const id = await stores.groups.reserve({
      organization_id: 3,
      group_name: 'half-made',
      conversion_id: 'conv-half',
      group_avatar: '',
      admin_uid: '',
      description: '',
      name_set_at: at,
      idempotency_scope: null,
      created_at: at,
    });
    const event = groupEvent(
      'created',
      { id, organization_id: 3, conversion_id: 'conv-half' },
      {
        member_client_ids: ['p', 'q'],
        group_name: 'half-made',
        group_avatar: '',
        admin_uid: '',
        description: '',
      },
    );
    await h.service!.outbox.add(toOutgoing(event));
    expect((await h.failure(GroupSubjects.get, { group_id: id })).status).toBe(404); // pending: invisible

    expect(await relayAll()).toBe(1);
    expect((await get(id)).member_client_ids).toBe('p:q');
    const events = await eventsOf(id);
    expect(events.map((e) => [e.subject, e.msgId])).toEqual([[GroupEventSubjects.created, event.event_id]]);
    expect(await relayAll()).toBe(0); // settled
  });

  it('publishes a change that was applied but not announced, without applying it again', async () => {
    const { group_id, conversion_id } = await newGroup('a:b');
    const added = groupEvent(
      'members_added',
      { id: group_id, organization_id: 3, conversion_id },
      {
        member_client_ids: ['x'],
      },
    );
    await h.service!.outbox.add(toOutgoing(added));
    expect(await new GroupChanges(stores).apply(added)).toBe('applied'); // ...and then the crash
    // A later change removes x before the relay gets to the pending add.
    await h.call(GroupSubjects.removeMembers, { group_id, member_client_ids: 'x' });

    expect(await relayAll()).toBe(1);
    expect((await get(group_id)).member_client_ids).toBe('a:b'); // x stays removed
    const events = await eventsOf(group_id);
    expect(events.map((e) => e.subject)).toEqual([
      GroupEventSubjects.created,
      GroupEventSubjects.members_removed,
      GroupEventSubjects.members_added,
    ]);
    expect(events[2]?.msgId).toBe(added.event_id);
  });

  it('settles without publishing an add whose group was deleted before the relay applied it', async () => {
    const { group_id, conversion_id } = await newGroup('a');
    const added = groupEvent(
      'members_added',
      { id: group_id, organization_id: 3, conversion_id },
      {
        member_client_ids: ['late'],
      },
    );
    await h.service!.outbox.add(toOutgoing(added)); // written, then the crash
    await h.call(GroupSubjects.delete, { group_id });

    expect(await relayAll()).toBe(0);
    expect(await h.service!.outbox.countPending()).toBe(0);
    const subjects = (await eventsOf(group_id)).map((e) => e.subject);
    expect(subjects).toEqual([GroupEventSubjects.created, GroupEventSubjects.deleted]);
    expect((await h.failure(GroupSubjects.get, { group_id })).status).toBe(404);
  });

  it('keeps a renamed group deleted when the relay replays the rename after the delete', async () => {
    const { group_id, conversion_id } = await newGroup('a');
    const renamed = groupEvent(
      'updated',
      { id: group_id, organization_id: 3, conversion_id },
      {
        member_client_ids: [],
        group_name: 'too late',
      },
    );
    await h.service!.outbox.add(toOutgoing(renamed));
    await h.call(GroupSubjects.delete, { group_id });
    expect(await relayAll()).toBe(0);
    expect((await h.store.db.collection('groups').findOne({ id: group_id }))?.status).toBe('deleted');
  });
});
