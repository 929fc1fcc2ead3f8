import {
  type AppError,
  BroadcastSubjects,
  type Caller,
  DeliverySubjects,
  ErrorCode,
  encodeCaller,
} from '@im/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  announceClass,
  call,
  delivered,
  type Harness,
  projected,
  startHarness,
  students,
} from './harness.js';

/**
 * The broadcast service reads deliveries only by asking their owner, the workers, over NATS: it
 * decides who may see them, then asks with its own service identity; without the workers those
 * reads are a 503 naming them, never an answer made up from somewhere else.
 */
let h: Harness;
const uids = students('o', 3);
/** Class 71's: its push reaches nobody whose inbox the tests read. */
const others = students('p', 3);
let pushId: number;

beforeAll(async () => {
  h = await startHarness();
  await projected(
    h,
    70,
    await announceClass(h.jet, { class_id: 70, organization_id: 5, student_uids: uids }),
  );
  await projected(
    h,
    71,
    await announceClass(h.jet, { class_id: 71, organization_id: 5, student_uids: others }),
  );
  await projected(
    h,
    72,
    await announceClass(h.jet, { class_id: 72, organization_id: 5, student_uids: uids }),
  );
  h.clock.now = new Date('2024-10-01T01:00:00Z');
  pushId = (await call<{ push_history_record_id: number }>(h, BroadcastSubjects.push, { class_id: 70 }))
    .push_history_record_id;
  const other = await call<{ push_history_record_id: number }>(h, BroadcastSubjects.push, { class_id: 71 });
  expect(await delivered(h, pushId, uids.length)).toBe(true);
  expect(await delivered(h, other.push_history_record_id, others.length)).toBe(true);
}, 60_000);
afterAll(() => h?.close());

/** A request as the gateway sends it for `caller`; resolves with the reply or the AppError. */
async function as(caller: Caller, subject: string, body: unknown): Promise<unknown> {
  try {
    const bytes = await h.client.request(
      subject,
      Buffer.from(JSON.stringify(body)),
      undefined,
      encodeCaller(caller),
    );
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    return error;
  }
}

const student: Caller = { sub: uids[0]!, orgs: [5], role: 'user' };
const reads = () =>
  [
    [DeliverySubjects.userNotifications, { client_id: uids[0] }],
    // Class 71's counts are asked of nobody before the workers go (70's are: see below).
    [BroadcastSubjects.classPushes, { class_id: 71 }],
    [BroadcastSubjects.pushRecipients, { class_id: 70, push_history_record_id: pushId }],
    [BroadcastSubjects.notificationsSince, { client_id: uids[0], after: 0 }],
    [BroadcastSubjects.markNotificationRead, { client_id: uids[0], push_history_record_id: pushId }],
  ] as const;

describe('deliveries, asked of their owner', () => {
  it('let a student read its own inbox from the workers, whose other reads answer services only', async () => {
    const page = (await as(student, DeliverySubjects.userNotifications, { client_id: uids[0] })) as {
      total_count: number;
      data: { push_history_record_id: number }[];
    };
    expect(page.total_count).toBe(1);
    expect(page.data[0]?.push_history_record_id).toBe(pushId);
    // The replay the broadcast service asks for, asked of the workers by the student, is refused.
    const direct = (await as(student, DeliverySubjects.since, {
      student_uid: uids[0],
      after: 0,
    })) as AppError;
    expect(direct.code).toBe(ErrorCode.IllegalOperation);
  });

  it('fill a push’s counts and its recipients’ delivery times from the workers', async () => {
    const pushes = await call<{ data: { delivered_count: number }[] }>(h, BroadcastSubjects.classPushes, {
      class_id: 70,
    });
    expect(pushes.data[0]?.delivered_count).toBe(3);
    const recipients = await call<{ data: { delivered_at: string | null }[] }>(
      h,
      BroadcastSubjects.pushRecipients,
      {
        class_id: 70,
        push_history_record_id: pushId,
      },
    );
    expect(recipients.data.every((r) => typeof r.delivered_at === 'string')).toBe(true);
  });

  it('are a 503 naming the workers while they are down; what needs no delivery still answers', async () => {
    const page = () =>
      call<{ data: { delivered_count: number }[] }>(h, BroadcastSubjects.classPushes, { class_id: 70 });
    expect((await page()).data[0]?.delivered_count).toBe(3);
    await h.stopWorkers();
    // Counts asked a moment ago are kept until the workers notice a change (they make none while
    // down) or for 10 s: that page still answers.
    expect((await page()).data[0]?.delivered_count).toBe(3);
    for (const [subject, body] of reads()) {
      const error = (await call(h, subject, body).catch((e: unknown) => e)) as AppError;
      expect({ subject, code: error.code, message: error.message }).toEqual({
        subject,
        code: ErrorCode.ServiceUnavailable,
        message: 'the workers service is unavailable: no service is answering',
      });
    }
    // Authorization is decided before the workers are asked: a stranger still gets its 403.
    const stranger = (await as({ sub: 'x', orgs: [], role: 'user' }, BroadcastSubjects.notificationsSince, {
      client_id: uids[0],
      after: 0,
    })) as AppError;
    expect(stranger.code).toBe(ErrorCode.IllegalOperation);
    // A class with no pushes needs no counts: its empty page is answered without the workers.
    expect(await call(h, BroadcastSubjects.classPushes, { class_id: 72 })).toEqual({
      total_count: 0,
      data: [],
    });
  });
});
