import {
  type AppError,
  type Caller,
  type ConversationGroupReply,
  ConversationSubjects,
  type CreateGroupReply,
  ErrorCode,
  GroupEventSubjects,
  GroupSubjects,
  type OrgGroupsReply,
  type UserGroupsReply,
} from '@im/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOOKUPS_MIGRATION } from '../src/migrate.js';
import { type GroupHarness, startGroupHarness } from './harness.js';

/** One live group per conversation (a unique index), and the look-up the signature service uses. */
let h: GroupHarness;
let n = 0;

beforeAll(async () => {
  h = await startGroupHarness();
});
afterAll(() => h?.close());

/** A conversation id no other test uses. */
const conv = () => `conv-${Date.now().toString(36)}-${++n}`;
const create = (body: Record<string, unknown>) => h.call<CreateGroupReply>(GroupSubjects.create, body);
const lookup = (conversion_id: string, client_id = 'nobody') =>
  h.call<ConversationGroupReply>(ConversationSubjects.group, { conversion_id, client_id });
const settle = <T>(work: Promise<T>) =>
  work.then(
    (value) => ({ ok: true as const, value }),
    (error: AppError) => ({ ok: false as const, error }),
  );
const orgGroups = (organization_id: number) =>
  h.call<OrgGroupsReply>(GroupSubjects.orgGroups, { organization_id, per_page: 100 });

function expectTaken(error: AppError, conversionId: string) {
  expect(error.code).toBe(ErrorCode.Conflict);
  expect(error.status).toBe(409);
  expect(error.message).toBe(
    `conversion_id: "${conversionId}" already belongs to another group; delete that group first`,
  );
}

describe('one group per conversation', () => {
  it('refuses a second create with the conversation (409, 1016), in its organization or another, leaving nothing behind', async () => {
    const c = conv();
    const first = await create({
      group_name: 'a',
      member_client_ids: 'm1',
      organization_id: 701,
      conversion_id: c,
    });
    for (const organization_id of [701, 702]) {
      const error = await h.failure(GroupSubjects.create, {
        group_name: 'b',
        member_client_ids: 'late-member',
        organization_id,
        conversion_id: c,
      });
      expectTaken(error, c);
    }
    expect((await orgGroups(701)).data.map((g) => g.id)).toEqual([first.group_id]);
    expect((await orgGroups(702)).total_count).toBe(0);
    const late = await h.call<UserGroupsReply>(GroupSubjects.userGroups, { client_id: 'late-member' });
    expect(late.total_count).toBe(0);
    const created = (await h.events()).filter(
      (e) => e.subject === GroupEventSubjects.created && e.payload.conversion_id === c,
    );
    expect(created.map((e) => e.payload.group_id)).toEqual([first.group_id]);
    expect((await lookup(c)).group?.group_id).toBe(first.group_id);
  });

  it('lets exactly one of 12 parallel creates have the conversation', async () => {
    const c = conv();
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        settle(
          create({
            group_name: `p${i}`,
            member_client_ids: `m${i}`,
            organization_id: 703 + i,
            conversion_id: c,
          }),
        ),
      ),
    );
    const won = results.filter((r) => r.ok);
    expect(won).toHaveLength(1);
    for (const r of results) if (!r.ok) expectTaken(r.error, c);
    const winner = won[0]!.value;
    expect((await lookup(c)).group?.group_id).toBe(winner.group_id);
  });

  it('frees the conversation when its group is deleted, for a new group to claim', async () => {
    const c = conv();
    const old = await create({
      group_name: 'old',
      member_client_ids: 'x',
      organization_id: 720,
      conversion_id: c,
    });
    await h.call(GroupSubjects.delete, { group_id: old.group_id });
    const fresh = await create({
      group_name: 'new',
      member_client_ids: 'y',
      organization_id: 721,
      conversion_id: c,
    });
    expect(fresh.group_id).not.toBe(old.group_id);
    expect((await lookup(c, 'y')).group).toEqual({
      group_id: fresh.group_id,
      organization_id: 721,
      admin_uid: '',
      status: 'active',
      is_member: true,
    });
    expectTaken(
      await h.failure(GroupSubjects.create, {
        group_name: 'third',
        member_client_ids: 'z',
        organization_id: 722,
        conversion_id: c,
      }),
      c,
    );
  });

  it('frees the key of a create refused for its conversation: the same key creates once the conversation is free', async () => {
    const c = conv();
    const holder = await create({
      group_name: 'h',
      member_client_ids: 'x',
      organization_id: 730,
      conversion_id: c,
    });
    const body = {
      group_name: 'k',
      member_client_ids: 'x',
      organization_id: 731,
      conversion_id: c,
      idempotency_key: 'conv-key',
    };
    expectTaken(await h.failure(GroupSubjects.create, body), c);
    expectTaken(await h.failure(GroupSubjects.create, body), c); // refused again, not "still being answered"
    await h.call(GroupSubjects.delete, { group_id: holder.group_id });
    const made = await create(body);
    expect(made.conversion_id).toBe(c);
    expect(await create(body)).toEqual(made); // and from then on the key answers that group
  });
});

describe('im.group.conversation', () => {
  it('answers the live group with its admin and organization, and whether the client is a member', async () => {
    const c = conv();
    const g = await create({
      group_name: 'g',
      member_client_ids: 'm1:m2',
      admin_uid: 'adm',
      organization_id: 740,
      conversion_id: c,
    });
    expect(await lookup(c, 'm2')).toEqual({
      group: {
        group_id: g.group_id,
        organization_id: 740,
        admin_uid: 'adm',
        status: 'active',
        is_member: true,
      },
    });
    expect((await lookup(c, 'adm')).group?.is_member).toBe(true);
    expect((await lookup(c, 'outsider')).group?.is_member).toBe(false);
  });

  it('answers the newest deleted group when none is live, never as a member', async () => {
    const c = conv();
    const a = await create({
      group_name: 'a',
      member_client_ids: 'm1',
      organization_id: 750,
      conversion_id: c,
    });
    await h.call(GroupSubjects.delete, { group_id: a.group_id });
    const b = await create({
      group_name: 'b',
      member_client_ids: 'm1',
      organization_id: 751,
      conversion_id: c,
    });
    await h.call(GroupSubjects.delete, { group_id: b.group_id });
    expect(await lookup(c, 'm1')).toEqual({
      group: {
        group_id: b.group_id,
        organization_id: 751,
        admin_uid: '',
        status: 'deleted',
        is_member: false,
      },
    });
  });

  it('answers no group for a conversation no group ever had', async () => {
    expect(await lookup(conv())).toEqual({ group: null });
  });

  it('answers services only: anyone else is a 403 naming the caller, quoted', async () => {
    const cases: [Caller, string][] = [
      [{ sub: 'c1\r\nX y', orgs: [1], role: 'user' }, '"c1\\r\\nX y"'],
      [{ sub: 'o1', orgs: [1], role: 'org_admin' }, '"o1"'],
    ];
    for (const [caller, shown] of cases) {
      const error = await h
        .call(ConversationSubjects.group, { conversion_id: 'c', client_id: 'c1' }, caller)
        .then(
          () => undefined,
          (e: AppError) => e,
        );
      expect(error?.code).toBe(ErrorCode.IllegalOperation);
      expect(error?.message).toBe(
        `Im-Caller: ${shown} is not a service; only services may ask which group owns a conversation`,
      );
    }
  });
});

describe('groups made before claims existed', () => {
  it('get their claims when the service starts, the oldest keeping a conversation two of them shared', async () => {
    const c = conv();
    const legacy = h.store.db.collection('groups');
    const now = new Date();
    const doc = (id: number) => ({
      id,
      organization_id: 760,
      group_name: `legacy ${id}`,
      conversion_id: c,
      group_avatar: '',
      admin_uid: '',
      description: '',
      status: 'active',
      name_set_at: now,
      idempotency_scope: null,
      created_at: now,
      updated_at: now,
    });
    await legacy.insertMany([doc(900_001), doc(900_002)]);
    // As a database from before claims and string ids: no marks, so the next start converts it.
    await h.store.db.collection('group_conversations').deleteOne({ _id: ':backfilled' as never });
    await h.store.db.collection('group_migrations').deleteOne({ _id: LOOKUPS_MIGRATION as never });
    await h.service!.stop();
    await h.startService();
    expect((await lookup(c)).group?.group_id).toBe(900_001);
    expectTaken(
      await h.failure(GroupSubjects.create, {
        group_name: 'n',
        member_client_ids: 'x',
        organization_id: 761,
        conversion_id: c,
      }),
      c,
    );
  });
});
