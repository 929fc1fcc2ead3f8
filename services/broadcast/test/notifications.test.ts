import {
  type AppError,
  BroadcastSubjects,
  type Caller,
  DeliverySubjects,
  ErrorCode,
  encodeCaller,
} from '@im/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceClass, delivered, type Harness, projected, startHarness, students } from './harness.js';

/**
 * A student's notifications through the broadcast service: the replay after a seq, read marks and
 * the counts they move, each asked as the HTTP caller would be (that student, another one, a
 * service). The workers answer as themselves, over real NATS and the MongoDB-wire server.
 */
let h: Harness;
const uids = students('n', 3);
/** Push ids in the order the pushes were made: one fan-out after the other, so also seq order. */
const pushIds: number[] = [];
const service: Caller = { sub: 'svc-notifications-test', orgs: [], role: 'service' };
const self: Caller = { sub: uids[0]!, orgs: [6], role: 'user' };
const other: Caller = { sub: uids[1]!, orgs: [6], role: 'user' };

async function as<T = Record<string, unknown>>(caller: Caller, subject: string, body: unknown): Promise<T> {
  const bytes = await h.client.request(
    subject,
    Buffer.from(JSON.stringify(body)),
    undefined,
    encodeCaller(caller),
  );
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}
const refused = (caller: Caller, subject: string, body: unknown) =>
  as(caller, subject, body).then(
    (reply) => {
      throw new Error(`${subject} should have been refused, got ${JSON.stringify(reply)}`);
    },
    (error: unknown) => error as AppError,
  );

interface Notification {
  push_history_record_id: number;
  class_id: number;
  message: string;
  read_at: string | null;
}

beforeAll(async () => {
  h = await startHarness();
  await projected(
    h,
    80,
    await announceClass(h.jet, { class_id: 80, organization_id: 6, student_uids: uids }),
  );
  await projected(
    h,
    81,
    await announceClass(h.jet, { class_id: 81, organization_id: 6, student_uids: ['x'] }),
  );
  for (const [day, classId] of [
    ['2024-11-01', 80],
    ['2024-11-02', 80],
    ['2024-11-02', 81],
  ] as const) {
    h.clock.now = new Date(`${day}T01:00:00Z`);
    const reply = await as<{ push_history_record_id: number }>(service, BroadcastSubjects.push, {
      class_id: classId,
      message: `m ${classId} ${day}`,
    });
    pushIds.push(reply.push_history_record_id);
    expect(await delivered(h, reply.push_history_record_id, classId === 80 ? uids.length : 1)).toBe(true);
  }
}, 60_000);
afterAll(() => h?.close());

describe('notifications_since', () => {
  it('replays a student’s notifications after a seq, as notification items', async () => {
    const [first, second] = pushIds;
    const all = await as<{
      last_seq: number;
      more: boolean;
      items: { seq: number; notification: Notification }[];
    }>(self, BroadcastSubjects.notificationsSince, { client_id: uids[0], after: 0 });
    expect(all).toMatchObject({ last_seq: 2, more: false });
    expect(all.items).toEqual([
      {
        seq: 1,
        notification: {
          push_history_record_id: first,
          class_id: 80,
          organization_id: 6,
          message: 'm 80 2024-11-01',
          pushed_at: '2024-11-01T01:00:00.000Z',
          delivered_at: expect.any(String),
          read_at: null,
        },
      },
      expect.objectContaining({
        seq: 2,
        notification: expect.objectContaining({ push_history_record_id: second }),
      }),
    ]);
    expect(
      await as(self, BroadcastSubjects.notificationsSince, { client_id: uids[0], after: 1 }),
    ).toMatchObject({
      items: [{ seq: 2 }],
    });
    expect(await as(self, BroadcastSubjects.notificationsSince, { client_id: uids[0] })).toEqual({
      last_seq: 2,
      items: [],
      more: false,
    });
  });

  it('answers only the student itself or a service', async () => {
    const error = await refused(other, BroadcastSubjects.notificationsSince, {
      client_id: uids[0],
      after: 0,
    });
    expect(error.code).toBe(ErrorCode.IllegalOperation);
    expect(error.message).toBe(`client_id: only "${uids[0]}" itself or a service may read its notifications`);
    await expect(
      as(service, BroadcastSubjects.notificationsSince, { client_id: uids[0] }),
    ).resolves.toMatchObject({
      last_seq: 2,
    });
  });
});

describe('mark_notification_read', () => {
  it('marks once: the first time stays, and the list, its unread count and the push’s read count follow', async () => {
    const pushId = pushIds[0]!;
    const body = { client_id: uids[0], push_history_record_id: pushId };
    const first = await as<{ read_at: string; first: boolean }>(
      self,
      BroadcastSubjects.markNotificationRead,
      body,
    );
    expect(first.first).toBe(true);
    expect(await as(self, BroadcastSubjects.markNotificationRead, body)).toEqual({
      read_at: first.read_at,
      first: false,
    });
    // A service marks for a student too (the second of this push's three recipients).
    await as(service, BroadcastSubjects.markNotificationRead, {
      client_id: uids[2],
      push_history_record_id: pushId,
    });

    const list = await as<{ total_count: number; unread_count: number; data: Notification[] }>(
      self,
      DeliverySubjects.userNotifications,
      { client_id: uids[0] },
    );
    expect(list.total_count).toBe(2);
    expect(list.unread_count).toBe(1);
    expect(list.data.map((n) => [n.push_history_record_id, n.read_at])).toEqual([
      [pushIds[1], null],
      [pushId, first.read_at],
    ]);
    const pushes = await as<{
      data: { push_history_record_id: number; delivered_count: number; read_count: number }[];
    }>(service, BroadcastSubjects.classPushes, { class_id: 80 });
    expect(pushes.data.map((p) => [p.push_history_record_id, p.delivered_count, p.read_count])).toEqual([
      [pushIds[1], 3, 0],
      [pushId, 3, 2],
    ]);
  });

  it('is a 404 naming push_history_record_id for a push the student never got', async () => {
    for (const pushId of [pushIds[2]!, 9_999]) {
      const error = await refused(self, BroadcastSubjects.markNotificationRead, {
        client_id: uids[0],
        push_history_record_id: pushId,
      });
      expect({ code: error.code, message: error.message }).toEqual({
        code: ErrorCode.NotFound,
        message: `push_history_record_id: notification of push ${pushId} for "${uids[0]}" not found`,
      });
    }
  });

  it('is a 403 for another student, and marks nothing', async () => {
    const error = await refused(other, BroadcastSubjects.markNotificationRead, {
      client_id: uids[0],
      push_history_record_id: pushIds[1],
    });
    expect(error.code).toBe(ErrorCode.IllegalOperation);
    expect(error.message).toBe(
      `client_id: only "${uids[0]}" itself or a service may mark its notifications read`,
    );
    const list = await as<{ unread_count: number }>(self, DeliverySubjects.userNotifications, {
      client_id: uids[0],
    });
    expect(list.unread_count).toBe(1);
  });
});
