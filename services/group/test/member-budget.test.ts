import { type CreateGroupReply, ErrorCode, GroupSubjects, listByteBudget } from '@im/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEMBER_ID_JSON_BYTES, memberListBudget } from '../src/member-budget.js';
import { type GroupHarness, startGroupHarness } from './harness.js';

/**
 * Member lists are limited in bytes, from NATS `max_payload` (1 MiB on the test server): the
 * created and deleted events carry a group's whole list, so what is accepted must fit them.
 */
let h: GroupHarness;
const MAX_MEMBERS = 3_900; // 3,900 × 259 bytes fit the 1 MiB server's budget, just
const budget = listByteBudget(1_048_576);

beforeAll(async () => {
  h = await startGroupHarness({ maxMembers: MAX_MEMBERS });
});
afterAll(() => h?.close());

/**
 * 2,900 distinct ids of 64 characters, mostly control characters: 6 bytes each once JSON-escaped,
 * so the list is over the budget as JSON although the request carrying it fits in a message.
 */
const escapedIds = () =>
  Array.from({ length: 2_900 }, (_, i) => `${'\u0001'.repeat(58)}${String(i).padStart(6, '0')}`).join(':');

describe('the member limit against max_payload', () => {
  it('refuses to start when a full group would not fit in a message, naming GROUP_MAX_MEMBERS', async () => {
    const fits = Math.floor(budget / MEMBER_ID_JSON_BYTES);
    expect(() => memberListBudget(fits, 1_048_576)).not.toThrow();
    expect(() => memberListBudget(fits + 1, 1_048_576)).toThrow(
      new RegExp(
        `^GROUP_MAX_MEMBERS: ${fits + 1} members of up to 259 bytes each .* set at most ${fits}, or raise max_payload$`,
      ),
    );
    const other = await startGroupHarness(null, { nats: h.nats, mongo: h.mongo });
    try {
      await expect(other.startService({ maxMembers: 100_000 })).rejects.toThrow(
        /^GROUP_MAX_MEMBERS: 100000 members/,
      );
    } finally {
      await other.close();
    }
  });

  it('answers 413 (1011) naming member_client_ids for a create whose list would not fit an event', async () => {
    const error = await h.failure(GroupSubjects.create, {
      group_name: 'big',
      member_client_ids: escapedIds(),
      organization_id: 901,
    });
    expect(error.code).toBe(ErrorCode.PayloadTooLarge);
    expect(error.status).toBe(413);
    expect(error.message).toMatch(
      new RegExp(`^member_client_ids: \\d+ bytes as JSON, more than the ${budget} bytes`),
    );
  });

  it('answers 413 for an add whose list would not fit an event, and adds nothing', async () => {
    const { group_id } = await h.call<CreateGroupReply>(GroupSubjects.create, {
      group_name: 'g',
      member_client_ids: 'a',
      organization_id: 902,
    });
    const error = await h.failure(GroupSubjects.addMembers, { group_id, member_client_ids: escapedIds() });
    expect(error.code).toBe(ErrorCode.PayloadTooLarge);
    expect(error.message).toMatch(/^member_client_ids: /);
    expect((await h.call<{ member_count: number }>(GroupSubjects.get, { group_id })).member_count).toBe(1);
  });
});
