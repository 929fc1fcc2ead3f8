import {
  type CreateGroupReply,
  DirectoryUserSubjects,
  GroupSubjects,
  type OrgContactsReply,
  type OrgGroupsReply,
} from '@im/contracts';
import { jetstream } from '@nats-io/jetstream';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGroupService } from '../src/service.js';
import { eventually, type GroupHarness, startGroupHarness } from './harness.js';

/**
 * Two copies of the group service on one database, each keeping the organizations' list heads
 * (SortedLists `heads`, change notices), answering requests in turn as a queue group does. A write
 * answered by one copy is in the next read whichever copy answers it: the notice reaches the other
 * copy before the request does (one NATS server delivers in order), and the writer forgets at once.
 */
let h: GroupHarness;
let second: MongoClient;
let first: RunningGroupService;

beforeAll(async () => {
  h = await startGroupHarness(null);
  second = new MongoClient(h.mongoUrl);
  await second.connect();
  first = await h.startService({});
  await h.startService({}, second.db());
}, 60_000);
afterAll(async () => {
  await first?.stop();
  await h?.close();
  await second?.close();
});

const organization_id = 9_101;

describe('kept list heads, two copies', () => {
  it("shows each create in the organization's groups page and contacts read right after it", async () => {
    const created: number[] = [];
    for (let i = 0; i < 24; i++) {
      // Both copies answer reads in turn, so each keeps the page and then must hear of the change.
      for (let r = 0; r < 4; r++) await h.call<OrgGroupsReply>(GroupSubjects.orgGroups, { organization_id });
      const { group_id } = await h.call<CreateGroupReply>(GroupSubjects.create, {
        group_name: `kept ${i}`,
        member_client_ids: 'a:b',
        organization_id,
      });
      created.push(group_id);
      const page = await h.call<OrgGroupsReply>(GroupSubjects.orgGroups, { organization_id, per_page: 100 });
      expect(page.total_count).toBe(created.length);
      // By id: each copy allocates ids from blocks of its own, so not in the order of the creates.
      const byId = [...created].sort((x, y) => x - y);
      expect(page.data.map((g) => g.id)).toEqual(byId);
      const contacts = await h.call<OrgContactsReply>(GroupSubjects.orgContacts, { organization_id });
      expect(contacts.data.filter((c) => c.type === 'group').map((c) => c.id)).toEqual(byId);
    }
  });

  it("shows a directory user in contacts once either copy's projection has written it", async () => {
    const userIds = async () =>
      (await h.call<OrgContactsReply>(GroupSubjects.orgContacts, { organization_id })).data
        .filter((c) => c.type === 'user')
        .map((c) => c.id);
    for (const uid of [76, 77]) {
      const event_id = `kept-user-${uid}-${Date.now()}`;
      const event = { event_id, organization_id, uid, name: `U${uid}`, avatar: '', role: 'student' };
      await jetstream(h.nc).publish(
        DirectoryUserSubjects.upserted,
        JSON.stringify({ ...event, occurred_at: new Date().toISOString() }),
        { msgID: event_id },
      );
      // Whichever copy applies the event, both answer with the user from then on, though both
      // kept the list's head (uid 76 made one) and the contacts built from it: well within the
      // 10 s a kept head lives without a notice.
      await eventually(async () => ((await userIds()).includes(uid) ? true : undefined), 2_000);
      for (let r = 0; r < 8; r++) expect(await userIds()).toContain(uid);
    }
  });
});
