import { pollUntil } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Claims, orgAdmin, user } from './helpers.js';
import { type LiveHarness, ORG, startLiveHarness } from './live/live-harness.js';
import { inboxHolds, notificationsOf } from './live/live-model.js';

/**
 * `PUT /im/user/<client_id>/notifications/<push_history_record_id>/read` over HTTP, through the
 * broadcast service and the workers: idempotent, and what the student's list and the class's
 * push history say afterwards follows from the marks the test made.
 */
let live: LiveHarness;

beforeAll(async () => {
  live = await startLiveHarness();
});
afterAll(async () => live?.close());

const TEACHER = orgAdmin('o3', ORG);

async function mark(student: string, pushId: number, as: Claims = user(student)) {
  const res = await fetch(`${live.base}/im/user/${student}/notifications/${pushId}/read`, {
    method: 'PUT',
    headers: live.h.auth.as(as),
  });
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : undefined };
}

async function pushOf(classId: number, pushId: number) {
  const res = await fetch(`${live.base}/im/class/${classId}/pushes`, { headers: live.h.auth.as(TEACHER) });
  const page = (await res.json()) as { data: { push_history_record_id: number; [k: string]: unknown }[] };
  return page.data.find((p) => p.push_history_record_id === pushId);
}

describe('read marks', () => {
  const students = ['rd-1', 'rd-2', 'rd-3'];
  let pushId = 0;

  beforeAll(async () => {
    await live.createClass(201, students);
    pushId = await live.push(201, 'read me');
    for (const student of students) expect(await inboxHolds(live, student, 1)).toBe(true);
    // The fan-out's count is written after its deliveries.
    expect(
      await pollUntil(async () => (await pushOf(201, pushId))?.delivered_count === 3, Date.now() + 15_000),
    ).toBe(true);
  });

  it('answers 204 with no body, twice, and keeps the first read_at', async () => {
    const before = await notificationsOf(live, 'rd-1');
    expect(before).toMatchObject({ total_count: 1, unread_count: 1 });
    expect(before.data[0]?.read_at).toBeNull();

    const first = await mark('rd-1', pushId);
    expect({ status: first.status, text: first.text }).toEqual({ status: 204, text: '' });
    const read = await notificationsOf(live, 'rd-1');
    expect(read.unread_count).toBe(0);
    const readAt = read.data[0]?.read_at;
    expect(readAt).toEqual(expect.any(String));
    expect(Number.isNaN(Date.parse(readAt as string))).toBe(false);

    const second = await mark('rd-1', pushId);
    expect({ status: second.status, text: second.text }).toEqual({ status: 204, text: '' });
    expect((await notificationsOf(live, 'rd-1')).data[0]?.read_at).toBe(readAt);
  });

  it("counts each student once in the push's read_count, and leaves the others unread", async () => {
    expect((await mark('rd-2', pushId)).status).toBe(204);
    expect((await mark('rd-2', pushId)).status).toBe(204);
    expect(await pushOf(201, pushId)).toMatchObject({
      recipient_count: 3,
      delivered_count: 3,
      read_count: 2,
    });
    expect(await notificationsOf(live, 'rd-2')).toMatchObject({ total_count: 1, unread_count: 0 });
    expect(await notificationsOf(live, 'rd-3')).toMatchObject({ total_count: 1, unread_count: 1 });
  });

  it("refuses another student's mark, and changes nothing", async () => {
    const refused = await mark('rd-3', pushId, user('rd-1'));
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error_code: 1008, msg: expect.stringMatching(/^client_id: /) });
    expect(await notificationsOf(live, 'rd-3')).toMatchObject({ unread_count: 1 });
    expect(await pushOf(201, pushId)).toMatchObject({ read_count: 2 });
  });

  it('refuses a path that is not a notification, naming the field', async () => {
    const bad = await mark('rd-1', 0);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ msg: 'push_history_record_id: must be a positive integer' });
  });
});
