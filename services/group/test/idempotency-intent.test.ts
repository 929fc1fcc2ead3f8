import { type CreateGroupReply, GroupEventSubjects, GroupSubjects, type OrgGroupsReply } from '@im/contracts';
import { Counters } from '@im/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestHash, STALE_MS } from '../src/changes/idempotent-create.js';
import { initialMembers } from '../src/lists.js';
import { Groups } from '../src/repositories/groups.js';
import { IdempotencyKeys } from '../src/repositories/idempotency-keys.js';
import { type GroupHarness, startGroupHarness } from './harness.js';
import { pendingCreate } from './intents.js';

/**
 * Idempotency-Key claims as a slow or dead first request leaves them, written with the service's
 * own stores, then met by a retry over NATS. The relay is set far off: only the retry can finish.
 */
let h: GroupHarness;
let groups: Groups;
let keys: IdempotencyKeys;

beforeAll(async () => {
  h = await startGroupHarness({ relayIntervalMs: 600_000 });
  groups = new Groups(h.store.db, new Counters(h.store.db));
  keys = new IdempotencyKeys(h.store.db);
});
afterAll(() => h?.close());

const longAgo = () => new Date(Date.now() - STALE_MS - 1_000);
const orgGroups = (organization_id: number) =>
  h.call<OrgGroupsReply>(GroupSubjects.orgGroups, { organization_id, per_page: 100 });

/** The body a retry sends, and the claim state the first request left for it. */
function request(organization_id: number, key: string) {
  const body = { group_name: 'once', member_client_ids: 'a:b', organization_id, idempotency_key: key };
  const draft = {
    organization_id,
    group_name: 'once',
    members: initialMembers('a:b', ''),
    conversion_id: '',
    group_avatar: '',
    admin_uid: '',
    description: '',
  };
  return { body, draft, scope: `${organization_id}:${key}`, hash: requestHash(draft) };
}

/** What the first request wrote before it stalled: the claim, the pending group, the intent. */
async function stalledFirst(organization_id: number, key: string) {
  const { draft, scope, hash } = request(organization_id, key);
  const claim = (await keys.claim(scope, hash, longAgo()))!;
  const { group, event } = await pendingCreate(groups, {
    organization_id,
    conversion_id: `conv-${organization_id}-${key}`,
    group_name: draft.group_name,
    members: draft.members,
    scope,
  });
  return { claim, id: group.id, event };
}

describe('a claim with a recorded intent', () => {
  it('is never released: a retry 31 s later finishes the first group instead of creating a second', async () => {
    const organization_id = 801;
    const { body } = request(organization_id, 'k-intent');
    const { claim, id, event } = await stalledFirst(organization_id, 'k-intent');
    expect(await keys.recordIntent(claim, event)).toBe(true);
    // No outbox record: the first request stopped right after recording its intent.

    const reply = await h.call<CreateGroupReply>(GroupSubjects.create, body);
    expect(reply.group_id).toBe(id);
    expect(reply.conversion_id).toBe(event.conversion_id);
    expect((await orgGroups(organization_id)).data.map((g) => g.id)).toEqual([id]);
    const created = (await h.events()).filter(
      (e) => e.subject === GroupEventSubjects.created && e.payload.organization_id === organization_id,
    );
    expect(created.map((e) => e.msgId)).toEqual([event.event_id]);
    expect(await h.call(GroupSubjects.create, body)).toEqual(reply); // and the key keeps answering it
  });
});

describe('a claim without an intent', () => {
  it('is released once stale: the retry creates the group, and the slow first cannot record its intent after', async () => {
    const organization_id = 802;
    const { body } = request(organization_id, 'k-stale');
    const { claim, id, event } = await stalledFirst(organization_id, 'k-stale');

    const reply = await h.call<CreateGroupReply>(GroupSubjects.create, body);
    expect(reply.group_id).not.toBe(id);
    expect(await keys.recordIntent(claim, event)).toBe(false); // its claim is gone: it must stop
    expect((await orgGroups(organization_id)).data.map((g) => g.id)).toEqual([reply.group_id]);
    expect(await h.call(GroupSubjects.create, body)).toEqual(reply);
  });

  it('is released only with the token it was seen with', async () => {
    const { scope, hash } = request(803, 'k-token');
    const first = (await keys.claim(scope, hash, longAgo()))!;
    await keys.releaseStale(scope, 'another-token', new Date());
    expect((await keys.find(scope))?.token).toBe(first.token);
    await keys.releaseStale(scope, first.token, new Date());
    expect(await keys.find(scope)).toBeNull();
  });
});
