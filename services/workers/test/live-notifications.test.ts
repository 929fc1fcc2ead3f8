import {
  compileValidator,
  DeliverySubjects,
  LIVE_NOTIFICATIONS_PREFIX,
  MAX_REPLAY_PAGE,
  SequencedNotification,
} from '@im/contracts';
import { pollUntil } from '@im/testkit';
import type { Subscription } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classMessage, startWorkersHarness, type WorkersHarness } from './workers-harness.js';

/**
 * Each delivery a fan-out lists is numbered in its student's inbox (seq 1, 2, … in the order the
 * inbox received them) and told on the student's live subject; `im.deliveries.since` replays what
 * came after a seq. Expected values come from the order the test published the class messages in
 * (one fan-out at a time, in stream order), not from what the workers answer.
 */
interface Live {
  uid: string;
  subject: string;
  message: SequencedNotification;
}

interface Since {
  last_seq: number;
  more: boolean;
  items: { seq: number; delivery: { push_id: number; read_at: string | null; delivered_at: string } }[];
}

interface Page {
  data: { push_history_record_id: number; delivered_at: string }[];
}

const validLive = compileValidator(SequencedNotification);

/** Every live notification, by the student its subject names (the subject's last token, decoded here). */
function listen(h: WorkersHarness): { received: Live[]; sub: Subscription } {
  const received: Live[] = [];
  const sub = h.nc.subscribe(`${LIVE_NOTIFICATIONS_PREFIX}.>`, {
    callback: (_error, msg) => {
      const token = msg.subject.slice(LIVE_NOTIFICATIONS_PREFIX.length + 1);
      const uid = Buffer.from(token, 'base64url').toString('utf8');
      received.push({ uid, subject: msg.subject, message: validLive(JSON.parse(msg.string())) });
    },
  });
  return { received, sub };
}

const liveOf = (received: Live[], uid: string) => received.filter((l) => l.uid === uid);
const subjectOf = (uid: string) => `im.live.notifications.${Buffer.from(uid, 'utf8').toString('base64url')}`;

describe('one fan-out at a time: seq is the order of arrival', () => {
  let h: WorkersHarness;
  let live: ReturnType<typeof listen>;
  // Client ids a subject token could not hold as they are.
  const students = ['l.0', 'l *1', 'l>2', '学生3'];
  /** What each student should have received, in order: the model. */
  const arrivals = new Map<string, number[]>(students.map((s) => [s, []]));
  const pushedAt = new Map<number, string>();

  async function push(pushId: number, uids: string[], at: string) {
    pushedAt.set(pushId, at);
    await h.publish(classMessage(pushId, uids, at));
    for (const uid of uids) arrivals.get(uid)?.push(pushId);
  }

  beforeAll(async () => {
    h = await startWorkersHarness({ WORKERS_CONCURRENCY: '1', FANOUT_CHUNK_SIZE: '3' });
    live = listen(h);
    await h.nc.flush();
    // Published in the reverse of push order: push 22 (2 September) arrives before push 21 (1 September).
    await push(22, students, '2024-09-02T01:00:00.000Z');
    await push(21, students, '2024-09-01T01:00:00.000Z');
    await push(23, students.slice(0, 2), '2024-09-03T01:00:00.000Z');
    expect(await h.fannedOut([21, 22, 23], 2)).toBe(true);
  }, 60_000);
  afterAll(async () => {
    live?.sub.unsubscribe();
    await h?.close();
  });

  it('numbers each student’s deliveries by arrival, while pages stay newest push first', async () => {
    for (const uid of students) {
      const expected = arrivals.get(uid)!;
      const replay = await h.ask<Since>(DeliverySubjects.since, { student_uid: uid, after: 0 });
      expect(replay.items.map((i) => [i.seq, i.delivery.push_id])).toEqual(
        expected.map((p, i) => [i + 1, p]),
      );
      expect(replay).toMatchObject({ last_seq: expected.length, more: false });
      const page = await h.ask<Page>(DeliverySubjects.userNotifications, { client_id: uid });
      const newestFirst = [...expected].sort((a, b) => pushedAt.get(b)!.localeCompare(pushedAt.get(a)!));
      expect(page.data.map((d) => d.push_history_record_id)).toEqual(newestFirst);
    }
  });

  it('tells each delivery once on its student’s live subject, with its seq and its notification', async () => {
    const total = [...arrivals.values()].reduce((n, a) => n + a.length, 0);
    expect(await pollUntil(async () => live.received.length >= total, Date.now() + 10_000)).toBe(true);
    expect(live.received).toHaveLength(total);
    for (const uid of students) {
      const page = await h.ask<Page>(DeliverySubjects.userNotifications, { client_id: uid });
      const deliveredAt = new Map(page.data.map((d) => [d.push_history_record_id, d.delivered_at]));
      const expected = arrivals.get(uid)!.map((pushId, i) => ({
        uid,
        subject: subjectOf(uid),
        message: {
          seq: i + 1,
          notification: {
            push_history_record_id: pushId,
            class_id: 1,
            organization_id: 4,
            message: `push ${pushId}`,
            pushed_at: pushedAt.get(pushId),
            delivered_at: deliveredAt.get(pushId),
            read_at: null,
          },
        },
      }));
      expect(liveOf(live.received, uid)).toEqual(expected);
    }
  });

  it('lists and tells nothing again for a redelivered push', async () => {
    const before = live.received.length;
    // Push 22 again under another msgID (the stream keeps it), then a new push behind it: one
    // fan-out at a time, so whatever the repeat told arrives before push 24's messages.
    await h.publish({ ...classMessage(22, students, pushedAt.get(22)!), event_id: 'event-22-again' });
    await push(24, students.slice(1), '2024-09-04T01:00:00.000Z');
    expect(await h.fannedOut([24], 3)).toBe(true);
    expect(await pollUntil(async () => live.received.length >= before + 3, Date.now() + 10_000)).toBe(true);
    // Within one push, students are told in whatever order their inboxes were written.
    const after = live.received
      .slice(before)
      .map((l) => [l.uid, l.message.seq, l.message.notification.push_history_record_id]);
    expect(after.sort()).toEqual(
      students
        .slice(1)
        .map((uid) => [uid, arrivals.get(uid)!.length, 24])
        .sort(),
    );
  });

  it('replays exactly what came after a cursor; without one, only where the inbox stands', async () => {
    for (const uid of students) {
      const expected = arrivals.get(uid)!;
      expect(await h.ask(DeliverySubjects.since, { student_uid: uid })).toEqual({
        last_seq: expected.length,
        items: [],
        more: false,
      });
      for (let after = 0; after <= expected.length + 2; after++) {
        const replay = await h.ask<Since>(DeliverySubjects.since, { student_uid: uid, after });
        expect({ after, replay: replay.items.map((i) => [i.seq, i.delivery.push_id]) }).toEqual({
          after,
          replay: expected.slice(after).map((p, i) => [after + i + 1, p]),
        });
        expect(replay).toMatchObject({ last_seq: expected.length, more: false });
        for (const item of replay.items) expect(item.delivery.read_at).toBeNull();
      }
    }
    expect(await h.ask(DeliverySubjects.since, { student_uid: 'nobody', after: 3 })).toEqual({
      last_seq: 0,
      items: [],
      more: false,
    });
  });

  it(`pages a replay by ${MAX_REPLAY_PAGE}, saying when there is more`, { timeout: 120_000 }, async () => {
    const uid = 'many';
    const ids = Array.from({ length: MAX_REPLAY_PAGE + 3 }, (_, i) => 100 + i);
    for (const id of ids)
      await h.publish(classMessage(id, [uid], `2024-10-01T00:00:${String(id % 60).padStart(2, '0')}.000Z`));
    expect(await h.fannedOut(ids, 1)).toBe(true);
    const seqsOf = (r: Since) => r.items.map((i) => i.seq);
    const first = await h.ask<Since>(DeliverySubjects.since, { student_uid: uid, after: 0 });
    expect(first).toMatchObject({ last_seq: ids.length, more: true });
    expect(first.items.map((i) => i.delivery.push_id)).toEqual(ids.slice(0, MAX_REPLAY_PAGE));
    const next = await h.ask<Since>(DeliverySubjects.since, { student_uid: uid, after: MAX_REPLAY_PAGE });
    expect(next).toMatchObject({ last_seq: ids.length, more: false });
    expect(seqsOf(next)).toEqual([51, 52, 53]);
    const shifted = await h.ask<Since>(DeliverySubjects.since, { student_uid: uid, after: 2 });
    expect(seqsOf(shifted)).toEqual(Array.from({ length: MAX_REPLAY_PAGE }, (_, i) => i + 3));
    expect(shifted.more).toBe(true);
  });
});

describe('two fan-outs at once', () => {
  let h: WorkersHarness;
  let live: ReturnType<typeof listen>;
  const students = Array.from({ length: 40 }, (_, i) => `c${i}`);

  beforeAll(async () => {
    // Small chunks and two at once: the two pushes' fan-outs interleave, student by student.
    h = await startWorkersHarness({ WORKERS_CONCURRENCY: '2', FANOUT_CHUNK_SIZE: '4' });
    live = listen(h);
    await h.nc.flush();
    await h.publish(classMessage(32, students, '2024-09-02T01:00:00.000Z'));
    await h.publish(classMessage(31, [...students].reverse(), '2024-09-01T01:00:00.000Z'));
    expect(await h.fannedOut([31, 32], students.length)).toBe(true);
  }, 60_000);
  afterAll(async () => {
    live?.sub.unsubscribe();
    await h?.close();
  });

  it('numbers every student’s two deliveries 1 and 2, as its live messages said, whichever came first', async () => {
    expect(
      await pollUntil(async () => live.received.length >= 2 * students.length, Date.now() + 10_000),
    ).toBe(true);
    for (const uid of students) {
      const replay = await h.ask<Since>(DeliverySubjects.since, { student_uid: uid, after: 0 });
      expect(replay.items.map((i) => i.seq)).toEqual([1, 2]);
      expect(replay.items.map((i) => i.delivery.push_id).sort()).toEqual([31, 32]);
      const told = liveOf(live.received, uid).map((l) => [
        l.message.seq,
        l.message.notification.push_history_record_id,
      ]);
      expect(told.sort()).toEqual(replay.items.map((i) => [i.seq, i.delivery.push_id]).sort());
      const page = await h.ask<Page>(DeliverySubjects.userNotifications, { client_id: uid });
      expect(page.data.map((d) => d.push_history_record_id)).toEqual([32, 31]);
    }
  });
});
