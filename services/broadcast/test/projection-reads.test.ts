import {
  type AppError,
  BroadcastSubjects,
  DeadLetterHeaders,
  DeliverySubjects,
  DirectoryClassSubjects,
  deadLetterSubject,
  ErrorCode,
  encodeCaller,
  Streams,
} from '@im/contracts';
import { EventPublisher } from '@im/events';
import { pollUntil, readStreamMessages } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIRECTORY_CLASSES_DURABLE, DirectoryClasses } from '../src/projections/directory-classes.js';
import {
  announceClass,
  call,
  deleteClass,
  delivered,
  type Harness,
  projected,
  startHarness,
  students,
} from './harness.js';

let h: Harness;
let classes: DirectoryClasses;
beforeAll(async () => {
  h = await startHarness();
  classes = new DirectoryClasses(h.store.db);
});
afterAll(() => h?.close());

const at = (iso: string) => new Date(iso);

describe('directory class projection', () => {
  it('keeps organization, name, active flag and unique student uids', async () => {
    const id = await announceClass(h.jet, {
      class_id: 1,
      organization_id: 7,
      name: 'Grade 3 B',
      student_uids: ['s1', 's2', 's1', 's3'],
    });
    await projected(h, 1, id);
    expect(await classes.find(1)).toMatchObject({
      class_id: 1,
      organization_id: 7,
      name: 'Grade 3 B',
      active: true,
      deleted: false,
      student_uids: ['s1', 's2', 's3'],
    });
  });

  it('never lets an older event overwrite a newer one, whatever the arrival order', async () => {
    const newer = await announceClass(h.jet, {
      class_id: 2,
      name: 'newer',
      student_uids: ['a'],
      occurred_at: at('2024-01-02T00:00:00Z'),
    });
    await projected(h, 2, newer);
    const older = await announceClass(h.jet, {
      class_id: 2,
      name: 'older',
      student_uids: ['b'],
      occurred_at: at('2024-01-01T00:00:00Z'),
    });
    // A marker event on another class, published after `older`: once it is in, `older` was handled.
    await projected(h, 3, await announceClass(h.jet, { class_id: 3, student_uids: ['m'] }));
    expect((await classes.find(2))?.name).toBe('newer');
    expect((await classes.find(2))?.event_id).toBe(newer);
    expect(older).not.toBe(newer);
  });

  it('applies a redelivered event once, with the same outcome', async () => {
    const event = {
      event_id: 'dup-event-4',
      class_id: 4,
      organization_id: 1,
      name: 'twice',
      active: true,
      student_uids: ['x', 'y'],
      occurred_at: '2024-02-01T00:00:00.000Z',
    };
    const publisher = new EventPublisher(h.jet.js);
    // Two ids: the stream keeps both copies, so the consumer really sees the event twice.
    await publisher.publish({ id: 'dup-4-a', subject: DirectoryClassSubjects.upserted, payload: event });
    await publisher.publish({ id: 'dup-4-b', subject: DirectoryClassSubjects.upserted, payload: event });
    await projected(h, 5, await announceClass(h.jet, { class_id: 5, student_uids: ['m'] }));
    expect(await h.store.db.collection('directory_classes').countDocuments({ class_id: 4 })).toBe(1);
    expect(await classes.find(4)).toMatchObject({ name: 'twice', student_uids: ['x', 'y'] });
  });

  it('keeps a deleted class deleted when an older upsert arrives after the delete', async () => {
    await projected(
      h,
      6,
      await announceClass(h.jet, {
        class_id: 6,
        student_uids: ['a'],
        occurred_at: at('2024-03-01T00:00:00Z'),
      }),
    );
    const deleted = await deleteClass(h.jet, 6, at('2024-03-03T00:00:00Z'));
    await projected(h, 6, deleted);
    await announceClass(h.jet, { class_id: 6, student_uids: ['a'], occurred_at: at('2024-03-02T00:00:00Z') });
    await projected(h, 7, await announceClass(h.jet, { class_id: 7, student_uids: ['m'] }));
    expect(await classes.find(6)).toMatchObject({ deleted: true, active: false, event_id: deleted });
    // A newer upsert brings it back: the directory re-created the class.
    const back = await announceClass(h.jet, {
      class_id: 6,
      student_uids: ['z'],
      occurred_at: at('2024-03-04T00:00:00Z'),
    });
    await projected(h, 6, back);
    expect(await classes.find(6)).toMatchObject({ deleted: false, active: true, student_uids: ['z'] });
  });

  it('applies a delete of a class it never saw (no upsert can resurrect it with an older date)', async () => {
    await projected(h, 8, await deleteClass(h.jet, 8, at('2024-04-01T00:00:00Z')));
    expect(await classes.find(8)).toMatchObject({ deleted: true, active: false });
  });

  it('dead-letters at once an event retrying cannot fix, and goes on with the next', async () => {
    // Passes the schema's shape, names no real instant: it can order nothing, now or on a retry.
    await new EventPublisher(h.jet.js).publish({
      id: 'no-such-day',
      subject: DirectoryClassSubjects.upserted,
      payload: {
        event_id: 'no-such-day',
        class_id: 9,
        organization_id: 1,
        name: 'month 13',
        active: true,
        student_uids: ['a'],
        occurred_at: '2024-13-45T00:00:00Z',
      },
    });
    await projected(h, 10, await announceClass(h.jet, { class_id: 10, student_uids: ['m'] }));
    const dead = async () =>
      (
        await readStreamMessages(h.nc, Streams.deadLetters.name, deadLetterSubject(DIRECTORY_CLASSES_DURABLE))
      ).filter((m) => (m.data as { event_id?: string }).event_id === 'no-such-day');
    expect(await pollUntil(async () => (await dead()).length === 1, Date.now() + 10_000, undefined, 50)).toBe(
      true,
    );
    const [letter] = await dead();
    expect(letter!.header(DeadLetterHeaders.attempts)).toBe('1');
    expect(letter!.header(DeadLetterHeaders.reason)).toBe('occurred_at: not a real instant');
    expect(await classes.find(9)).toBeNull();
  });
});

interface PushesPage {
  total_count: number;
  data: {
    push_history_record_id: number;
    day: string;
    recipient_count: number;
    delivered_count: number;
    event_sent: boolean;
    pushed_at: string;
    message: string;
  }[];
}

interface RecipientsPage {
  total_count: number;
  data: { client_id: string; delivered_at: string | null }[];
}

interface NotificationsPage {
  total_count: number;
  data: {
    push_history_record_id: number;
    class_id: number;
    message: string;
    pushed_at: string;
    delivered_at: string;
  }[];
}

describe('read endpoints', () => {
  const uids = students('r', 12);
  const pushIds: number[] = [];

  beforeAll(async () => {
    await projected(
      h,
      50,
      await announceClass(h.jet, { class_id: 50, organization_id: 9, student_uids: uids }),
    );
    await projected(
      h,
      51,
      await announceClass(h.jet, { class_id: 51, organization_id: 9, student_uids: uids.slice(0, 2) }),
    );
    // Class 50 on three days, class 51 once in between.
    for (const [classId, instant] of [
      [50, '2024-09-01T01:00:00Z'],
      [50, '2024-09-02T01:00:00Z'],
      [51, '2024-09-02T02:00:00Z'],
      [50, '2024-09-03T01:00:00Z'],
    ] as const) {
      h.clock.now = new Date(instant);
      const reply = await call<{ push_history_record_id: number }>(h, BroadcastSubjects.push, {
        class_id: classId,
        message: `m ${classId} ${instant}`,
      });
      pushIds.push(reply.push_history_record_id);
    }
    for (const [i, id] of pushIds.entries()) expect(await delivered(h, id, i === 2 ? 2 : 12)).toBe(true);
  });

  it('lists a class’s pushes newest first with recipient and delivery counts, paged', async () => {
    const first = await call<PushesPage>(h, BroadcastSubjects.classPushes, {
      class_id: 50,
      page: 1,
      per_page: 2,
    });
    expect(first.total_count).toBe(3);
    expect(first.data.map((p) => p.day)).toEqual(['2024-09-03', '2024-09-02']);
    expect(first.data[0]).toMatchObject({
      push_history_record_id: pushIds[3],
      recipient_count: 12,
      delivered_count: 12,
      event_sent: true,
      pushed_at: '2024-09-03T01:00:00.000Z',
      message: 'm 50 2024-09-03T01:00:00Z',
    });
    const second = await call<PushesPage>(h, BroadcastSubjects.classPushes, {
      class_id: 50,
      page: 2,
      per_page: 2,
    });
    expect(second.data.map((p) => p.push_history_record_id)).toEqual([pushIds[0]]);
    // The rosters stay out of the list: 20 of 2,000 students would not fit one NATS message.
    expect(first.data[0]).not.toHaveProperty('student_uids');
    const defaults = await call<PushesPage>(h, BroadcastSubjects.classPushes, { class_id: 50 });
    expect(defaults.data).toHaveLength(3);
  });

  it('pages a push’s recipients in roster order, each with when it was delivered', async () => {
    const page = (p: number, per: number) =>
      call<RecipientsPage>(h, BroadcastSubjects.pushRecipients, {
        class_id: 50,
        push_history_record_id: pushIds[3],
        page: p,
        per_page: per,
      });
    const first = await page(1, 5);
    expect(first.total_count).toBe(12);
    expect(first.data.map((r) => r.client_id)).toEqual(uids.slice(0, 5));
    for (const r of first.data) expect(Date.parse(r.delivered_at as string)).not.toBeNaN();
    expect((await page(3, 5)).data.map((r) => r.client_id)).toEqual(uids.slice(10));
    expect(await page(4, 5)).toEqual({ total_count: 12, data: [] });
    const defaults = await call<RecipientsPage>(h, BroadcastSubjects.pushRecipients, {
      class_id: 50,
      push_history_record_id: pushIds[0],
    });
    expect(defaults.data).toHaveLength(12);
  });

  it('shows null for recipients whose delivery is not written yet', async () => {
    await projected(
      h,
      53,
      await announceClass(h.jet, { class_id: 53, organization_id: 9, student_uids: ['n1', 'n2'] }),
    );
    // Recorded, event never published (the relay is not run here): nobody has a delivery yet.
    const record = await h.broadcast.pushes.record({
      class_id: 53,
      organization_id: 9,
      day: '2024-09-05',
      pushed_at: new Date('2024-09-05T01:00:00Z'),
      message: 'pending',
      student_uids: ['n1', 'n2'],
      recipient_count: 2,
      eventId: 'recipients-pending-event',
    });
    const reply = await call<RecipientsPage>(h, BroadcastSubjects.pushRecipients, {
      class_id: 53,
      push_history_record_id: record.id,
    });
    expect(reply).toEqual({
      total_count: 2,
      data: [
        { client_id: 'n1', delivered_at: null },
        { client_id: 'n2', delivered_at: null },
      ],
    });
  });

  it('answers 1001 for a push of another class and for an unknown push', async () => {
    const other = (await call(h, BroadcastSubjects.pushRecipients, {
      class_id: 50,
      push_history_record_id: pushIds[2], // class 51's
    }).catch((e: unknown) => e)) as AppError;
    expect(other.code).toBe(ErrorCode.NotFound);
    expect(other.message).toBe(`push_history_record_id: push ${pushIds[2]} of class 50 not found`);
    const unknown = (await call(h, BroadcastSubjects.pushRecipients, {
      class_id: 50,
      push_history_record_id: 987_654,
    }).catch((e: unknown) => e)) as AppError;
    expect(unknown.code).toBe(ErrorCode.NotFound);
    const noClass = (await call(h, BroadcastSubjects.pushRecipients, {
      class_id: 4343,
      push_history_record_id: pushIds[0],
    }).catch((e: unknown) => e)) as AppError;
    expect(noClass.message).toBe('class_id: class 4343 not found');
  });

  it('answers 1001 for a class the directory never announced, an empty page for one never pushed', async () => {
    const error = await call(h, BroadcastSubjects.classPushes, { class_id: 4242 }).catch((e: unknown) => e);
    expect((error as AppError).code).toBe(ErrorCode.NotFound);
    await projected(h, 52, await announceClass(h.jet, { class_id: 52, student_uids: ['q'] }));
    expect(await call(h, BroadcastSubjects.classPushes, { class_id: 52 })).toEqual({
      total_count: 0,
      data: [],
    });
  });

  it('lists a student’s notifications newest first, paged', async () => {
    const all = await call<NotificationsPage>(h, DeliverySubjects.userNotifications, { client_id: uids[0] });
    expect(all.total_count).toBe(4);
    expect(all.data.map((n) => n.push_history_record_id)).toEqual([
      pushIds[3],
      pushIds[2],
      pushIds[1],
      pushIds[0],
    ]);
    expect(all.data[1]).toMatchObject({
      class_id: 51,
      organization_id: 9,
      message: 'm 51 2024-09-02T02:00:00Z',
    });
    expect(Date.parse(all.data[0]!.delivered_at)).not.toBeNaN();

    const page = await call<NotificationsPage>(h, DeliverySubjects.userNotifications, {
      client_id: uids[0],
      page: 2,
      per_page: 3,
    });
    expect(page.total_count).toBe(4);
    expect(page.data.map((n) => n.push_history_record_id)).toEqual([pushIds[0]]);
    // Not in class 51: three notifications.
    expect(
      (await call<NotificationsPage>(h, DeliverySubjects.userNotifications, { client_id: uids[5] }))
        .total_count,
    ).toBe(3);
  });

  it('gives an empty page to a client with no notifications', async () => {
    expect(await call(h, DeliverySubjects.userNotifications, { client_id: 'nobody' })).toEqual({
      total_count: 0,
      unread_count: 0,
      data: [],
    });
  });

  it('validates paging in the service too', async () => {
    const error = (await call(h, DeliverySubjects.userNotifications, {
      client_id: 'a',
      per_page: 101,
    }).catch((e: unknown) => e)) as AppError;
    expect(error.code).toBe(ErrorCode.InvalidParameter);
    expect(error.message).toBe('per_page: must be an integer from 1 to 100');
  });

  it("follows a class into another organization at once, though each copy keeps classes' owners", async () => {
    const adminOf = (org: number) => encodeCaller({ sub: `admin-${org}`, orgs: [org], role: 'org_admin' });
    const pushesAs = async (org: number) => {
      const body = Buffer.from(JSON.stringify({ class_id: 60 }));
      return h.client.request(BroadcastSubjects.classPushes, body, undefined, adminOf(org)).then(
        () => 'answered',
        (e: AppError) => e.code,
      );
    };
    await projected(
      h,
      60,
      await announceClass(h.jet, { class_id: 60, organization_id: 8, student_uids: ['m1'] }),
    );
    expect([await pushesAs(8), await pushesAs(8), await pushesAs(9)]).toEqual([
      'answered',
      'answered',
      ErrorCode.IllegalOperation,
    ]);
    await projected(
      h,
      60,
      await announceClass(h.jet, { class_id: 60, organization_id: 9, student_uids: ['m1'] }),
    );
    // The change notice follows the write by a moment (README, "Events"): within 1 s, not 10.
    const moved = async () =>
      (await pushesAs(9)) === 'answered' && (await pushesAs(8)) === ErrorCode.IllegalOperation;
    expect(await pollUntil(moved, Date.now() + 1_000, undefined, 10)).toBe(true);
  });
});
