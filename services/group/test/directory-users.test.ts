import { randomUUID } from 'node:crypto';
import {
  type CreateGroupReply,
  DeadLetterHeaders,
  DirectoryUserSubjects,
  GroupSubjects,
  type OrgContactsReply,
  Streams,
} from '@im/contracts';
import { jetstream } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIRECTORY_USERS_DURABLE } from '../src/service.js';
import { eventually, type GroupHarness, startGroupHarness } from './harness.js';

/** The directory (another system) publishes user events; contacts show its users from the projection. */
let h: GroupHarness;

beforeAll(async () => {
  h = await startGroupHarness();
});
afterAll(() => h?.close());

const minute = (n: number) => new Date(Date.UTC(2024, 4, 1, 8, n)).toISOString();

async function announce(subject: string, fields: Record<string, unknown>): Promise<string> {
  const event_id = randomUUID();
  await jetstream(h.nc).publish(subject, JSON.stringify({ event_id, ...fields }), { msgID: event_id });
  return event_id;
}

const upsert = (organization_id: number, uid: number, name: string, at: string, avatar = '') =>
  announce(DirectoryUserSubjects.upserted, {
    organization_id,
    uid,
    name,
    avatar,
    role: 'student',
    occurred_at: at,
  });
const remove = (organization_id: number, uid: number, at: string) =>
  announce(DirectoryUserSubjects.deleted, { organization_id, uid, occurred_at: at });

const contacts = (organization_id: number) =>
  h.call<OrgContactsReply>(GroupSubjects.orgContacts, { organization_id });
const users = async (organization_id: number) =>
  (await contacts(organization_id)).data.filter((c) => c.type === 'user');

/** Waits until the projection shows `expected` for the organization's users. */
const usersBecome = (organization_id: number, expected: unknown) =>
  eventually(async () => {
    const now = await users(organization_id);
    return JSON.stringify(now) === JSON.stringify(expected) ? now : undefined;
  });

/**
 * Waits until the projection's consumer has handled every event published so far. Events are
 * applied many at once (DIRECTORY_USERS_CONCURRENCY), so a later event showing says nothing of an
 * earlier one: only an empty backlog does.
 */
const drained = () =>
  eventually(async () => {
    const info = await h.jsm.consumers.info(Streams.directory.name, DIRECTORY_USERS_DURABLE);
    return info.num_pending === 0 && info.num_ack_pending === 0 ? info : undefined;
  });

describe('directory users', () => {
  it('shows the users of the organization after its groups, by uid, avatar "0" when none', async () => {
    const { group_id } = await h.call<CreateGroupReply>(GroupSubjects.create, {
      group_name: 'g123',
      member_client_ids: 'a',
      organization_id: 20,
    });
    await upsert(
      20,
      529,
      'LEE',
      minute(1),
      'http://hisihi-avator.oss-cn-qingdao.aliyuncs.com/55a62d15b9fc4.jpg',
    );
    await upsert(20, 17, 'Ann', minute(1));
    await upsert(21, 1, 'elsewhere', minute(1));
    await usersBecome(20, [
      { id: 17, avatar: '0', name: 'Ann', type: 'user' },
      {
        id: 529,
        avatar: 'http://hisihi-avator.oss-cn-qingdao.aliyuncs.com/55a62d15b9fc4.jpg',
        name: 'LEE',
        type: 'user',
      },
    ]);
    const all = await contacts(20);
    expect(all.data[0]).toEqual({ id: group_id, avatar: '0', name: 'g123', type: 'group' });
    expect(all.data.map((c) => c.type)).toEqual(['group', 'user', 'user']);
    expect((await users(21)).map((u) => u.id)).toEqual([1]);
  });

  it('applies the newest event of a user whatever order they arrive in', async () => {
    await upsert(30, 5, 'new name', minute(10));
    await usersBecome(30, [{ id: 5, avatar: '0', name: 'new name', type: 'user' }]);
    await upsert(30, 5, 'stale name', minute(9)); // older: ignored
    await drained();
    expect(await users(30)).toEqual([{ id: 5, avatar: '0', name: 'new name', type: 'user' }]);
  });

  it('removes a deleted user, and an older upsert delivered later does not bring it back', async () => {
    await upsert(40, 8, 'leaving', minute(1));
    await usersBecome(40, [{ id: 8, avatar: '0', name: 'leaving', type: 'user' }]);
    await remove(40, 8, minute(5));
    await usersBecome(40, []);
    await upsert(40, 8, 'ghost', minute(4));
    await drained();
    expect(await users(40)).toEqual([]);
    await upsert(40, 8, 'back', minute(6)); // a newer upsert does
    await usersBecome(40, [{ id: 8, avatar: '0', name: 'back', type: 'user' }]);
  });

  it("ends at each user's newest event after a burst applied many at once, in any order", async () => {
    // 120 users, each with three events in shuffled order: the last by time wins, a delete too.
    const events: (() => Promise<string>)[] = [];
    const expected: { id: number; avatar: string; name: string; type: 'user' }[] = [];
    for (let uid = 1; uid <= 120; uid++) {
      const deletedLast = uid % 7 === 0;
      events.push(() => upsert(60, uid, `old ${uid}`, minute(1)));
      events.push(() => upsert(60, uid, `newest ${uid}`, minute(deletedLast ? 2 : 3)));
      events.push(
        deletedLast ? () => remove(60, uid, minute(3)) : () => upsert(60, uid, `mid ${uid}`, minute(2)),
      );
      if (!deletedLast) expected.push({ id: uid, avatar: '0', name: `newest ${uid}`, type: 'user' });
    }
    // A fixed shuffle (a stride coprime with the count), so a failure repeats.
    const order = events.map((_, i) => events[(i * 97) % events.length] as () => Promise<string>);
    await Promise.all(order.map((send) => send()));
    await drained();
    expect(await users(60)).toEqual(expected);
  });

  it('parks an unreadable event on the dead-letter subject instead of blocking the others', async () => {
    const bad = await announce(DirectoryUserSubjects.upserted, {
      organization_id: 70,
      uid: 'not-a-number',
      name: 'x',
      avatar: '',
      role: 'student',
      occurred_at: minute(1),
    });
    await upsert(70, 1, 'after the bad one', minute(1));
    await usersBecome(70, [{ id: 1, avatar: '0', name: 'after the bad one', type: 'user' }]);
    const parked = await eventually(async () => {
      const info = await h.jsm.streams.info(Streams.deadLetters.name);
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const m = await h.jsm.streams.getMessage(Streams.deadLetters.name, { seq });
        if (m?.json<{ event_id?: string }>().event_id === bad) return m;
      }
      return undefined;
    });
    expect(parked.subject).toBe(`im.deadletter.${DIRECTORY_USERS_DURABLE}`);
    expect(parked.header.get(DeadLetterHeaders.reason)).toMatch(
      /^invalid payload: uid: must be a positive integer/,
    );
  });
});
