import { AppError, BroadcastSubjects, ErrorCode, jsonBytes, listByteBudget } from '@im/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

interface PushReply {
  class_id: number;
  push_history_record_id: number;
}

const push = (class_id: number, message?: string) =>
  call<PushReply>(h, BroadcastSubjects.push, message === undefined ? { class_id } : { class_id, message });

/** The AppError a call rejected with, or a failure when it succeeded. */
async function failure(promise: Promise<unknown>): Promise<AppError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(AppError);
  return outcome as AppError;
}

async function knownClass(classId: number, count: number, extra: { active?: boolean } = {}) {
  const uids = students(`c${classId}`, count);
  await projected(
    h,
    classId,
    await announceClass(h.jet, { class_id: classId, student_uids: uids, ...extra }),
  );
  return uids;
}

describe('push to a class', () => {
  // First in the file on purpose: the `push_history` counter does not exist yet, so the parallel
  // pushes also race to create it (FerretDB refuses all but one upsert with E11000).
  it('gives exactly one 201 among 24 parallel pushes of one class', async () => {
    h.clock.now = new Date('2024-07-01T04:00:00.000Z');
    await knownClass(107, 50);
    const outcomes = await Promise.allSettled(Array.from({ length: 24 }, () => push(107, 'race')));
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost.map((o) => (o.reason as AppError).code)).toEqual(
      Array(23).fill(ErrorCode.ClassAlreadyPushed),
    );
    expect(await h.store.db.collection('push_history').countDocuments({ class_id: 107 })).toBe(1);
    const pushId = (won[0] as PromiseFulfilledResult<PushReply>).value.push_history_record_id;
    expect(await delivered(h, pushId, 50)).toBe(true);
  });

  it('records the push with its recipients and day, publishes the event and fans it out', async () => {
    h.clock.now = new Date('2024-05-01T02:00:00.000Z');
    const uids = await knownClass(101, 30);
    const reply = await push(101, 'school closes at noon');
    expect(reply).toEqual({ class_id: 101, push_history_record_id: expect.any(Number) });
    expect(reply.push_history_record_id).toBeGreaterThan(0);

    const record = await h.store.db.collection('push_history').findOne({ id: reply.push_history_record_id });
    expect(record).toMatchObject({
      class_id: 101,
      organization_id: 1,
      day: '2024-05-01',
      message: 'school closes at noon',
      recipient_count: 30,
      event: { subject: 'im.events.class.message', sent: true },
    });
    // The recipients are a roster document the record refers to, not a copy inside it.
    expect(record).not.toHaveProperty('student_uids');
    const roster = await h.store.db.collection('class_rosters').findOne({ _id: record?.roster_id });
    expect(roster?.student_uids).toEqual(uids);
    expect(await delivered(h, reply.push_history_record_id, 30)).toBe(true);
    const rows = await h.workersDb
      .collection('deliveries')
      .find({ push_id: reply.push_history_record_id })
      .toArray();
    expect(rows.map((r) => r.student_uid).sort()).toEqual([...uids].sort());
    expect(rows[0]).toMatchObject({ class_id: 101, organization_id: 1, message: 'school closes at noon' });
  });

  it('takes no body at all, as the API document calls it', async () => {
    h.clock.now = new Date('2024-05-01T02:00:00.000Z');
    await knownClass(102, 3);
    const reply = await push(102);
    const record = await h.store.db.collection('push_history').findOne({ id: reply.push_history_record_id });
    expect(record?.message).toBe('');
  });

  it('answers 1001 for an unknown, an inactive and a deleted class', async () => {
    expect((await failure(push(999_999))).code).toBe(ErrorCode.NotFound);

    await knownClass(103, 3, { active: false });
    const inactive = await failure(push(103));
    expect(inactive.code).toBe(ErrorCode.NotFound);
    expect(inactive.message).toBe('class_id: class 103 not found');

    await knownClass(104, 3);
    await projected(h, 104, await deleteClass(h.jet, 104));
    expect((await failure(push(104))).code).toBe(ErrorCode.NotFound);
  });

  it('refuses a message over 2,000 characters with 1000 naming the field', async () => {
    await knownClass(105, 1);
    const error = await failure(push(105, 'x'.repeat(2_001)));
    expect(error.code).toBe(ErrorCode.InvalidParameter);
    expect(error.message).toBe('message: must be a string of at most 2000 characters');
    await expect(push(105, 'x'.repeat(2_000))).resolves.toMatchObject({ class_id: 105 });
  });

  it('refuses with 413 a message whose JSON passes 8 KiB (a page of 100 must fit one reply)', async () => {
    await knownClass(109, 1);
    // 2,000 characters, within the length rule; each control character is 6 bytes once escaped.
    const error = await failure(push(109, '\u0001'.repeat(2_000)));
    expect(error.code).toBe(ErrorCode.PayloadTooLarge);
    expect(error.message).toMatch(/^message: 12002 bytes as JSON, more than the 8192 bytes/);
    expect(await h.store.db.collection('push_history').countDocuments({ class_id: 109 })).toBe(0);
    // 2,000 CJK characters: 6,002 bytes, accepted.
    await expect(push(109, '班'.repeat(2_000))).resolves.toMatchObject({ class_id: 109 });
  });

  it('refuses with 413, recording nothing, a roster too big for its class-message event', async () => {
    // 5,500 ids of 64 characters, 60 of them CJK: about 1,028,500 bytes. The directory event carrying them
    // fits NATS's 1 MiB max_payload; the class-message event, with its other fields, might not.
    const roster = Array.from({ length: 5_500 }, (_, i) => `${String(i).padStart(4, '0')}${'班'.repeat(60)}`);
    const limit = listByteBudget(h.nc.info!.max_payload);
    expect(jsonBytes(roster)).toBeGreaterThan(limit);
    await projected(h, 108, await announceClass(h.jet, { class_id: 108, student_uids: roster }));

    const error = await failure(push(108, 'too many'));
    expect(error.code).toBe(ErrorCode.PayloadTooLarge);
    expect(error.message).toMatch(
      new RegExp(
        `^student_uids: the roster of class 108 takes ${jsonBytes(roster)} bytes as JSON, more than the ${limit} bytes`,
      ),
    );
    expect(await h.store.db.collection('push_history').countDocuments({ class_id: 108 })).toBe(0);
  });

  it('allows one push per class per calendar day in Asia/Shanghai', async () => {
    await knownClass(106, 2);
    h.clock.now = new Date('2024-06-01T15:59:00.000Z'); // 23:59 on 1 June in Shanghai
    await push(106);
    h.clock.now = new Date('2024-06-01T15:59:59.000Z');
    const again = await failure(push(106));
    expect(again.code).toBe(ErrorCode.ClassAlreadyPushed);
    expect(again.message).toBe('class_id: class 106 was already pushed on 2024-06-01');
    // Still 1 June in UTC, but 2 June in Shanghai: a new day.
    h.clock.now = new Date('2024-06-01T16:00:00.000Z');
    const next = await push(106);
    h.clock.now = new Date('2024-06-02T15:00:00.000Z'); // 23:00 on 2 June in Shanghai
    expect((await failure(push(106))).code).toBe(ErrorCode.ClassAlreadyPushed);
    const days = await h.store.db
      .collection('push_history')
      .find({ class_id: 106 })
      .map((r) => r.day)
      .toArray();
    expect(days.sort()).toEqual(['2024-06-01', '2024-06-02']);
    expect(next.push_history_record_id).toBeGreaterThan(0);
  });

  it('gives distinct ids to parallel pushes of different classes', async () => {
    h.clock.now = new Date('2024-07-02T04:00:00.000Z');
    const ids = Array.from({ length: 20 }, (_, i) => 200 + i);
    for (const id of ids) await announceClass(h.jet, { class_id: id, student_uids: students(`p${id}`, 2) });
    for (const id of ids) await waitForClass(id);
    const replies = await Promise.all(ids.map((id) => push(id)));
    const pushIds = replies.map((r) => r.push_history_record_id);
    expect(new Set(pushIds).size).toBe(ids.length);
    expect(await h.store.db.collection('push_history').countDocuments({ class_id: { $in: ids } })).toBe(20);
  });
});

describe('outbox relay', () => {
  it('publishes a push whose event was never sent, once, and the workers fan it out', async () => {
    await knownClass(301, 40);
    const record = await h.broadcast.pushes.record({
      class_id: 301,
      organization_id: 1,
      day: '2024-08-01',
      pushed_at: new Date('2024-08-01T01:00:00.000Z'),
      message: 'left behind',
      student_uids: students('c301', 40),
      recipient_count: 40,
      eventId: 'relay-test-event',
    });
    expect(await h.broadcast.pushes.countPending()).toBe(1);
    expect(await h.broadcast.relay.runOnce(0)).toBe(1);
    expect(await h.broadcast.pushes.countPending()).toBe(0);
    expect(await delivered(h, record.id, 40)).toBe(true);
    // A second relay pass (another copy, a retry) finds nothing to do.
    expect(await h.broadcast.relay.runOnce(0)).toBe(0);
  });

  it('lists a push a crash left unlisted, and marks it sent in its class list', async () => {
    await knownClass(304, 3);
    const pushes = h.broadcast.pushes;
    const record = await pushes.record({
      class_id: 304,
      organization_id: 1,
      day: '2024-08-03',
      pushed_at: new Date('2024-08-03T01:00:00.000Z'),
      message: 'half done',
      student_uids: students('c304', 3),
      recipient_count: 3,
      eventId: 'relay-unlisted-event',
    });
    expect((await pushes.listByClass(304, 0, 10)).items).toMatchObject([
      { id: record.id, event_sent: false },
    ]);
    // As if the process had died between the record's insert and the list's append.
    await pushes.byClass.docs.deleteMany({});
    expect(await h.broadcast.relay.runOnce(0)).toBe(1);
    const listed = await pushes.listByClass(304, 0, 10);
    expect(listed).toMatchObject({
      total: 1,
      items: [{ id: record.id, day: '2024-08-03', event_sent: true }],
    });
    expect(await delivered(h, record.id, 3)).toBe(true);
  });

  it('drops a marker whose push record never came, once it is old', async () => {
    const pending = h.broadcast.pushes.pending;
    await pending.add({ _id: 'orphan-young', push_id: 999_001, class_id: 1, created_at: new Date() });
    await pending.add({
      _id: 'orphan-old',
      push_id: 999_002,
      class_id: 1,
      created_at: new Date(Date.now() - 120_000),
    });
    expect(await h.broadcast.relay.runOnce(0)).toBe(0);
    expect(await pending.find('orphan-old')).toBeNull();
    expect(await pending.find('orphan-young')).not.toBeNull();
    await pending.remove('orphan-young');
  });
});

describe('outbox relay with an event that cannot be published', () => {
  it('publishes the pushes behind it, then parks it with its error after the last attempt', async () => {
    const poisonUids = Array.from({ length: 6_000 }, (_, i) => `${i}-${'班'.repeat(60)}`); // ~1.1 MB
    // Recorded behind the handler's back, as a record from before the byte check could be: its
    // event is over max_payload. Older than the good one, so the relay meets it first.
    const poison = await h.broadcast.pushes.record({
      class_id: 302,
      organization_id: 1,
      day: '2024-08-02',
      pushed_at: new Date('2024-08-02T01:00:00.000Z'),
      message: 'never fits',
      student_uids: poisonUids,
      recipient_count: poisonUids.length,
      eventId: 'relay-poison-event',
    });
    await knownClass(303, 5);
    const good = await h.broadcast.pushes.record({
      class_id: 303,
      organization_id: 1,
      day: '2024-08-02',
      pushed_at: new Date('2024-08-02T01:00:00.000Z'),
      message: 'fits',
      student_uids: students('c303', 5),
      recipient_count: 5,
      eventId: 'relay-good-event',
    });

    expect(await h.broadcast.relay.runOnce(0)).toBe(1);
    expect(await delivered(h, good.id, 5)).toBe(true);
    const events = h.store.db.collection('push_history');
    expect((await events.findOne({ id: poison.id }))?.event).toMatchObject({ sent: false, attempts: 1 });

    // The harness allows 3 attempts with no pause between them.
    await h.broadcast.relay.runOnce(0);
    await h.broadcast.relay.runOnce(0);
    const parked = (await events.findOne({ id: poison.id }))?.event;
    expect(parked).toMatchObject({ sent: false, parked: true, attempts: 3 });
    expect(parked.last_error).toMatch(/payload/i);
    expect(await h.broadcast.relay.runOnce(0)).toBe(0);
    expect((await events.findOne({ id: poison.id }))?.event.attempts).toBe(3);
    expect(await h.broadcast.pushes.countParked()).toBe(1);
  });
});

/** Waits for any projection of `classId`; returns its event id. */
async function waitForClass(classId: number): Promise<string> {
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
    const doc = await h.store.db.collection('directory_classes').findOne({ class_id: classId });
    if (doc) return doc.event_id as string;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`class ${classId} never projected`);
}
