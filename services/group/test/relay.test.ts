import {
  type CreateGroupReply,
  type GetGroupReply,
  type GroupCreatedEvent,
  GroupEventSubjects,
  GroupSubjects,
} from '@im/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChangeStores, GroupChanges } from '../src/changes/changes.js';
import { groupEvent, toOutgoing } from '../src/changes/group-events.js';
import { eventually, type GroupHarness, startGroupHarness } from './harness.js';
import { changeStores, pendingCreate } from './intents.js';

/**
 * The states a crash leaves behind, written here step by step with the service's own stores, then
 * finished by the relay (run by hand: its timer is set far off so it never runs on its own). A
 * create's outcome is its group's status (changes/decisions.ts): replayed after its group became
 * active it is not applied again, refused for its conversation it stays refused, and its replay
 * stores an Idempotency-Key's reply a crash kept from being stored.
 */
let h: GroupHarness;
let stores: ChangeStores;

beforeAll(async () => {
  h = await startGroupHarness({ relayIntervalMs: 600_000 });
  stores = changeStores(h.store.db);
});
afterAll(() => h?.close());

const relayAll = () => h.service!.relay.runOnce(0);
/**
 * Runs the relay until the outbox is empty. A pass whose apply fails on a loaded machine (a read
 * past its maxTimeMS, say) leaves the record for a later attempt after its backoff, and the timer,
 * set far off here, would not come back for it.
 */
const settle = () =>
  eventually(async () => {
    await relayAll();
    return (await h.service!.outbox.countPending()) === 0 ? true : undefined;
  }, 30_000);
const get = (group_id: number) => h.call<GetGroupReply>(GroupSubjects.get, { group_id });
const eventsOf = async (groupId: number) => (await h.events()).filter((e) => e.payload.group_id === groupId);
const create = (body: Record<string, unknown>) =>
  h.call<CreateGroupReply>(GroupSubjects.create, { group_name: 'r', organization_id: 3, ...body });
const createdEventOf = async (groupId: number) =>
  (await eventsOf(groupId)).find((e) => e.subject === GroupEventSubjects.created)
    ?.payload as unknown as GroupCreatedEvent;
let n = 0;

describe('the relay finishes what a crash left', () => {
  it('applies and publishes a create whose intent was written but never applied', async () => {
    const { group, event } = await pendingCreate(stores.groups, {
      organization_id: 3,
      conversion_id: 'conv-half',
      group_name: 'half-made',
      members: ['p', 'q'],
    });
    const id = group.id;
    await h.service!.outbox.add(toOutgoing(event));
    expect((await h.failure(GroupSubjects.get, { group_id: id })).status).toBe(404); // pending: invisible

    expect(await relayAll()).toBe(1);
    expect((await get(id)).member_client_ids).toBe('p:q');
    const events = await eventsOf(id);
    expect(events.map((e) => [e.subject, e.msgId])).toEqual([[GroupEventSubjects.created, event.event_id]]);
    expect(await relayAll()).toBe(0); // settled
  });

  it('publishes a change that was applied but not announced, without applying it again', async () => {
    const { group_id, conversion_id } = await create({ member_client_ids: 'a:b' });
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
    const { group_id, conversion_id } = await create({ member_client_ids: 'a' });
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
    const { group_id, conversion_id } = await create({ member_client_ids: 'a' });
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

describe('a replayed create', () => {
  it('is not applied again once its group is active: a member removed since stays removed', async () => {
    const { group_id } = await create({ member_client_ids: 'a:b' });
    await h.call(GroupSubjects.removeMembers, { group_id, member_client_ids: 'b' });
    // As if its publish had failed: the intent is pending again.
    await h.service!.outbox.add(toOutgoing(await createdEventOf(group_id)));

    await settle(); // the replay publishes, and does not apply again
    expect((await get(group_id)).member_client_ids).toBe('a');
  });

  it('stays refused for its conversation, even once the conversation is free', async () => {
    const conversion_id = `conv-replay-${++n}`;
    const holder = await create({ member_client_ids: 'h', conversion_id });
    const { group, event } = await pendingCreate(stores.groups, {
      organization_id: 3,
      conversion_id,
      group_name: 'refused',
      members: ['x'],
    });
    await h.service!.outbox.add(toOutgoing(event));
    expect(await new GroupChanges(stores).apply(event)).toBe('conversation_taken'); // ...and the crash
    await h.call(GroupSubjects.delete, { group_id: holder.group_id });

    await settle();
    expect(await eventsOf(group.id)).toEqual([]); // never published
    expect((await h.failure(GroupSubjects.get, { group_id: group.id })).status).toBe(404);
    expect((await create({ member_client_ids: 'y', conversion_id })).conversion_id).toBe(conversion_id);
  });

  it("stores an Idempotency-Key's reply that a crash after the activation kept from being stored", async () => {
    const body = { member_client_ids: 'k', idempotency_key: `replay-${++n}` };
    const reply = await create(body);
    const claims = h.store.db.collection<{ _id: string; reply: unknown }>('group_idempotency_keys');
    const scope = `3:${body.idempotency_key}`;
    await claims.updateOne({ _id: scope }, { $set: { reply: null } });
    await h.service!.outbox.add(toOutgoing(await createdEventOf(reply.group_id)));

    await settle();
    expect((await claims.findOne({ _id: scope }))?.reply).toEqual(reply);
    expect(await create(body)).toEqual(reply);
  });
});
