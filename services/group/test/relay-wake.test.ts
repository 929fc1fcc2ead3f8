import {
  type CreateGroupReply,
  type GetGroupReply,
  GroupEventSubjects,
  GroupSubjects,
  Streams,
} from '@im/contracts';
import { ensureStream, Outbox } from '@im/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupEvent, toOutgoing } from '../src/changes/group-events.js';
import { GROUP_OUTBOX } from '../src/service.js';
import { eventually, type GroupHarness, startGroupHarness } from './harness.js';

/**
 * The group service's relay at rest: woken at once by a change of its own whose event could not be
 * published, and otherwise a sweep for what a dead copy left. The sweep is set far off where the
 * wake-up is tested, and short where the sweep is.
 */
let h: GroupHarness;
const NEVER = 600_000;

beforeAll(async () => {
  h = await startGroupHarness({ relayIntervalMs: NEVER, relayBusyIntervalMs: 100, relayMinAgeMs: 200 });
});
afterAll(() => h?.close());

const eventOf = (groupId: number, subject: string) =>
  eventually(async () =>
    (await h.events()).find((e) => e.payload.group_id === groupId && e.subject === subject),
  );

async function newGroup(members: string): Promise<CreateGroupReply> {
  return h.call<CreateGroupReply>(GroupSubjects.create, {
    group_name: 'wake',
    member_client_ids: members,
    organization_id: 5,
  });
}

describe('the relay woken by its own service', () => {
  it('publishes a created event the request could not, once the stream is back', async () => {
    // As while a restarted server restores its streams: the publish fails, the change stands.
    await h.jsm.streams.delete(Streams.groupEvents.name);
    const { group_id } = await newGroup('w1:w2');
    expect((await h.call<GetGroupReply>(GroupSubjects.get, { group_id })).member_client_ids).toBe('w1:w2');

    await ensureStream(h.jsm, Streams.groupEvents);
    const created = await eventOf(group_id, GroupEventSubjects.created);
    expect(created.payload.member_client_ids).toEqual(['w1', 'w2']);
    expect(
      await eventually(async () => ((await h.service!.outbox.countPending()) === 0 ? true : undefined)),
    ).toBe(true);
  });
});

describe('the sweep', () => {
  it('applies and publishes a change a dead copy wrote as an intent and never finished', async () => {
    const { group_id, conversion_id } = await newGroup('d1');
    // The dead copy: its intent is in the outbox, the change was never applied, nobody here was told.
    const added = groupEvent(
      'members_added',
      { id: group_id, organization_id: 5, conversion_id },
      { member_client_ids: ['d2'] },
    );
    await new Outbox(h.store.db, { collection: GROUP_OUTBOX }).add(toOutgoing(added));

    await h.service!.stop();
    await h.startService({ relayIntervalMs: 300, relayBusyIntervalMs: 100, relayMinAgeMs: 200 });
    const event = await eventOf(group_id, GroupEventSubjects.members_added);
    expect(event.msgId).toBe(added.event_id);
    expect((await h.call<GetGroupReply>(GroupSubjects.get, { group_id })).member_client_ids).toBe('d1:d2');
  });
});
