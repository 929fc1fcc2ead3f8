import { type CreateGroupReply, GroupSubjects } from '@im/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTCOMES_PREFIX, outcomesCollection } from '../src/repositories/event-outcomes.js';
import { type GroupHarness, startGroupHarness } from './harness.js';

// What FerretDB cannot expire by itself: used Idempotency-Keys after their window, and outbox
// outcomes past their retention (published events leave the outbox at once). Runs are driven with a clock set ahead, not by waiting.
const HOUR = 3_600_000;
let h: GroupHarness;

beforeAll(async () => {
  // The relay stays out of the way: the pending event below must stay pending.
  h = await startGroupHarness({
    idempotencyKeyTtlMs: 24 * HOUR,
    outboxRetentionMs: 7 * 24 * HOUR,
    relayIntervalMs: HOUR,
    relayMinAgeMs: HOUR,
  });
});
afterAll(() => h?.close());

const body = (organization_id: number) => ({ group_name: 'g', member_client_ids: 'a:b', organization_id });
const create = (payload: Record<string, unknown>) => h.call<CreateGroupReply>(GroupSubjects.create, payload);
const later = (ms: number) => new Date(Date.now() + ms);
const outboxCount = () => h.store.db.collection('group_outbox').countDocuments();
const outcomeDays = async () =>
  (await h.store.db.listCollections({}, { nameOnly: true }).toArray())
    .map((c) => c.name)
    .filter((n) => n.startsWith(OUTCOMES_PREFIX));

describe('group housekeeping', () => {
  it('keeps a used Idempotency-Key for its window, then lets the key create anew', async () => {
    const first = await create({ ...body(701), idempotency_key: 'hk-1' });
    const housekeeping = h.service!.housekeeping;

    expect((await housekeeping.runOnce(later(23 * HOUR))).keys).toBe(0);
    expect((await create({ ...body(701), idempotency_key: 'hk-1' })).group_id).toBe(first.group_id);

    expect((await housekeeping.runOnce(later(25 * HOUR))).keys).toBe(1);
    expect((await create({ ...body(701), idempotency_key: 'hk-1' })).group_id).not.toBe(first.group_id);
  });

  it('keeps only pending events in the outbox, and drops outcomes a day at a time after the retention', async () => {
    // A create's outcome is its group's status; an add records one in the day's collection.
    const { group_id } = await create(body(702));
    await h.call(GroupSubjects.addMembers, { group_id, member_client_ids: 'c' });
    const outbox = h.service!.outbox;
    // Published events are deleted as they are sent: only a pending one stays.
    expect(await outboxCount()).toBe(0);
    await outbox.add({ id: 'hk-pending', subject: 'im.events.group.updated', payload: {} });
    const today = outcomesCollection(new Date());
    expect(await h.store.db.collection(today).countDocuments()).toBeGreaterThan(0);

    const housekeeping = h.service!.housekeeping;
    expect((await housekeeping.runOnce(later(6 * 24 * HOUR))).events).toBe(0);
    expect(await outcomeDays()).toContain(today);
    const { events } = await housekeeping.runOnce(later(8 * 24 * HOUR));
    expect(events).toBeGreaterThanOrEqual(1);
    expect(await outcomeDays()).not.toContain(today);
    expect(await outboxCount()).toBe(1);
    expect(await outbox.countPending()).toBe(1);
  });
});
