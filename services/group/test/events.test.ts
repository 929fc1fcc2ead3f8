import { type CreateGroupReply, GroupEventSubjects, GroupSubjects } from '@im/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP_OUTBOX } from '../src/service.js';
import { type GroupHarness, type StreamEvent, startGroupHarness } from './harness.js';

let h: GroupHarness;

beforeAll(async () => {
  // A fast relay: if it were to publish anything a second time, this test would have time to see it.
  h = await startGroupHarness({ relayIntervalMs: 100, relayMinAgeMs: 0, maxMembers: 10 });
});
afterAll(() => h?.close());

const ofGroup = (events: StreamEvent[], groupId: number) =>
  events.filter((e) => e.payload.group_id === groupId);

describe('the group event stream', () => {
  it('holds exactly one event per change, none for no-ops and refusals', async () => {
    const organization_id = 7;
    const { group_id, conversion_id } = await h.call<CreateGroupReply>(GroupSubjects.create, {
      group_name: 'events',
      member_client_ids: 'a:b',
      admin_uid: 'adm',
      organization_id,
    });
    await h.call(GroupSubjects.update, { group_id, group_name: 'renamed' });
    await h.call(GroupSubjects.update, { group_id, group_name: 'renamed' }); // same name: no change
    await h.call(GroupSubjects.addMembers, { group_id, member_client_ids: 'b:c:d' });
    await h.call(GroupSubjects.addMembers, { group_id, member_client_ids: 'a:c' }); // all in: no change
    await h.failure(GroupSubjects.addMembers, { group_id, member_client_ids: 'e:f:g:h:i:j:k' }); // over the limit
    await h.call(GroupSubjects.removeMembers, { group_id, member_client_ids: 'a:zz' });
    await h.call(GroupSubjects.removeMembers, { group_id, member_client_ids: 'zz' }); // not a member: no change
    await h.failure(GroupSubjects.removeMembers, { group_id, member_client_ids: 'adm' }); // the admin: refused
    await h.call(GroupSubjects.delete, { group_id });
    await h.failure(GroupSubjects.delete, { group_id }); // already deleted
    await h.failure(GroupSubjects.addMembers, { group_id, member_client_ids: 'q' }); // deleted

    // Let the relay run many passes: nothing may be published again.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const events = ofGroup(await h.events(), group_id);
    expect(events.map((e) => e.subject)).toEqual([
      GroupEventSubjects.created,
      GroupEventSubjects.updated,
      GroupEventSubjects.members_added,
      GroupEventSubjects.members_removed,
      GroupEventSubjects.deleted,
    ]);
    expect(events.map((e) => e.payload.member_client_ids)).toEqual([
      ['a', 'b', 'adm'],
      [],
      ['c', 'd'],
      ['a'],
      ['adm', 'b', 'c', 'd'],
    ]);
    for (const event of events) {
      expect(event.payload).toMatchObject({ group_id, organization_id, conversion_id });
      expect(event.msgId).toBe(event.payload.event_id); // the stream's de-duplication key
      expect(event.subject).toBe(`im.events.group.${event.payload.type}`);
      expect(new Date(event.payload.occurred_at as string).toISOString()).toBe(event.payload.occurred_at);
    }
    expect(new Set(events.map((e) => e.payload.event_id)).size).toBe(events.length);
    expect(events[0]?.payload).toMatchObject({
      group_name: 'events',
      admin_uid: 'adm',
      group_avatar: '',
      description: '',
    });
    expect(events[1]?.payload.group_name).toBe('renamed');
    expect(await h.store.db.collection(GROUP_OUTBOX).countDocuments({ sent: false })).toBe(0);
  });
});
