import { DeliverySubjects, ErrorCode } from '@im/contracts';
import { KeyedList } from '@im/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery, InboxEntry } from '../src/repositories/deliveries.js';
import { MARKS_PER_BLOCK, ReadMarks } from '../src/repositories/read-marks.js';
import { classMessage, startWorkersHarness, type WorkersHarness } from './workers-harness.js';

/**
 * Read marks over real NATS and the MongoDB-wire server: the first mark's time stays, a repeat
 * counts nothing, and the counts (a student's unread, a push's read) follow a model kept here of
 * which student marked which push first.
 */
let h: WorkersHarness;
const students = ['r0', 'r1', 'r2', 'r3'];
const pushes = [41, 42, 43];

interface Mark {
  read_at: string;
  first: boolean;
}
interface Page {
  total_count: number;
  unread_count: number;
  data: { push_history_record_id: number; read_at: string | null }[];
}
interface Counts {
  counts: { push_id: number; delivered_count: number; read_count: number }[];
}

/** The model: the first read_at answered for each (student, push). */
const firstMarks = new Map<string, string>();
const markKey = (uid: string, pushId: number) => `${uid}/${pushId}`;

const mark = (uid: string, pushId: number) =>
  h.ask<Mark>(DeliverySubjects.markRead, { student_uid: uid, push_id: pushId });

async function expectCountsAsModelled() {
  for (const uid of students) {
    const page = await h.ask<Page>(DeliverySubjects.userNotifications, { client_id: uid });
    const read = pushes.filter((p) => firstMarks.has(markKey(uid, p)));
    expect({ uid, unread: page.unread_count }).toEqual({ uid, unread: pushes.length - read.length });
    for (const item of page.data) {
      expect({ uid, push: item.push_history_record_id, read_at: item.read_at }).toEqual({
        uid,
        push: item.push_history_record_id,
        read_at: firstMarks.get(markKey(uid, item.push_history_record_id)) ?? null,
      });
    }
  }
  const counts = await h.ask<Counts>(DeliverySubjects.countsForPushes, { push_ids: pushes });
  expect(counts.counts).toEqual(
    pushes.map((p) => ({
      push_id: p,
      delivered_count: students.length,
      read_count: students.filter((uid) => firstMarks.has(markKey(uid, p))).length,
    })),
  );
}

beforeAll(async () => {
  h = await startWorkersHarness({ FANOUT_CHUNK_SIZE: '3' });
  for (const [i, id] of pushes.entries())
    await h.publish(classMessage(id, students, `2024-09-0${i + 1}T01:00:00.000Z`));
  expect(await h.fannedOut(pushes, students.length)).toBe(true);
}, 60_000);
afterAll(() => h?.close());

describe('im.deliveries.mark_read', () => {
  it('keeps the first mark: a repeat answers its time and counts nothing', async () => {
    const first = await mark('r0', 41);
    expect(first.first).toBe(true);
    expect(Date.parse(first.read_at)).not.toBeNaN();
    firstMarks.set(markKey('r0', 41), first.read_at);
    expect(await mark('r0', 41)).toEqual({ read_at: first.read_at, first: false });
    await expectCountsAsModelled();
  });

  it('counts each student’s first mark once, per student and per push', async () => {
    for (const [uid, pushId] of [
      ['r1', 41],
      ['r1', 43],
      ['r2', 42],
      ['r0', 43],
      ['r1', 41],
    ] as const) {
      const answer = await mark(uid, pushId);
      const known = firstMarks.get(markKey(uid, pushId));
      expect(answer).toEqual({ read_at: known ?? answer.read_at, first: known === undefined });
      firstMarks.set(markKey(uid, pushId), answer.read_at);
    }
    await expectCountsAsModelled();
  });

  it('makes one mark of many at once', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, () => mark('r3', 42)));
    expect(answers.filter((a) => a.first)).toHaveLength(1);
    expect(new Set(answers.map((a) => a.read_at)).size).toBe(1);
    firstMarks.set(markKey('r3', 42), answers[0]!.read_at);
    await expectCountsAsModelled();
  });

  it('shows read_at in a replay too', async () => {
    const replay = await h.ask<{ items: { delivery: { push_id: number; read_at: string | null } }[] }>(
      DeliverySubjects.since,
      { student_uid: 'r1', after: 0 },
    );
    expect(replay.items.map((i) => [i.delivery.push_id, i.delivery.read_at])).toEqual(
      pushes.map((p) => [p, firstMarks.get(markKey('r1', p)) ?? null]),
    );
  });

  it('answers delivered: false for a push the student has no delivery of, and marks nothing', async () => {
    expect(await mark('r0', 99)).toEqual({ delivered: false });
    expect(await mark('stranger', 41)).toEqual({ delivered: false });
    await expectCountsAsModelled();
    expect(await h.store.db.collection('read_marks').findOne({ _id: 'stranger#t' as never })).toBeNull();
  });

  it('refuses anyone but a service', async () => {
    const error = await h.refusal(
      DeliverySubjects.markRead,
      { student_uid: 'r0', push_id: 42 },
      { sub: 'r0', orgs: [4], role: 'user' },
    );
    expect(error.code).toBe(ErrorCode.IllegalOperation);
    await expectCountsAsModelled();
  });
});

describe('read mark blocks', () => {
  it('files marks by seq across a block edge, and by push for entries without a seq', async () => {
    const reads = new ReadMarks(h.store.db, { maxTimeMS: 5_000 });
    const at = (s: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, s));
    const refs = [
      { push_id: 1, seq: MARKS_PER_BLOCK - 1 },
      { push_id: 2, seq: MARKS_PER_BLOCK },
      { push_id: 3 },
      { push_id: MARKS_PER_BLOCK + 3 },
    ];
    for (const [i, ref] of refs.entries())
      expect(await reads.mark('blocks', ref, at(i))).toEqual({ readAt: at(i), first: true });
    expect(await reads.mark('blocks', refs[1]!, at(9))).toEqual({ readAt: at(1), first: false });
    const found = await reads.readAt('blocks', [...refs, { push_id: 7, seq: 3 }]);
    expect([...found].sort((a, b) => a[0] - b[0])).toEqual(refs.map((r, i) => [r.push_id, at(i)]));
    // Four marks in four blocks: seqs 255 and 256 on either side of an edge, pushes 3 and 259 too.
    for (const [_id, pushId] of [
      ['blocks#0', 1],
      ['blocks#1', 2],
      ['blocks#p0', 3],
      ['blocks#p1', MARKS_PER_BLOCK + 3],
    ] as const) {
      expect(Object.keys((await reads.blocks.findOne({ _id }))?.at ?? {})).toEqual([String(pushId)]);
    }
  });

  it('marks a delivery written before inboxes numbered entries, and its page shows it', async () => {
    // As an older version wrote them: an inbox entry and a delivery without a seq.
    const entry: InboxEntry = {
      push_id: 77,
      class_id: 1,
      organization_id: 4,
      message: 'old',
      pushed_at: new Date('2024-01-01T00:00:00.000Z'),
      delivered_at: new Date('2024-01-01T00:00:01.000Z'),
    };
    const oldInbox = new KeyedList<InboxEntry>(h.store.db, 'inbox', { idField: 'push_id', bucketSize: 25 });
    await oldInbox.append('legacy', [entry]);
    await h.store.db
      .collection<Delivery>('deliveries')
      .insertOne({ _id: '77:legacy', student_uid: 'legacy', ...entry });
    const first = await mark('legacy', 77);
    expect(first.first).toBe(true);
    expect(await h.ask(DeliverySubjects.userNotifications, { client_id: 'legacy' })).toMatchObject({
      total_count: 1,
      unread_count: 0,
      data: [{ push_history_record_id: 77, read_at: first.read_at }],
    });
  });
});
