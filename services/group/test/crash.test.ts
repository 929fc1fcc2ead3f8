import { join } from 'node:path';
import { RequestClient } from '@im/bus';
import {
  type AppError,
  type CreateGroupReply,
  ErrorCode,
  type GetGroupReply,
  GroupEventSubjects,
  GroupSubjects,
} from '@im/contracts';
import { type ChildHandle, repoRoot, startProcess } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP_OUTBOX } from '../src/service.js';
import { eventually, type GroupHarness, SERVICE_CALLER, startGroupHarness } from './harness.js';

/**
 * The group service as its own process, killed (SIGKILL, by the test-only fault switch) after it
 * wrote a change and before it published the event; restarted without the switch, its relay must
 * publish that event, once.
 */
let h: GroupHarness;
let running: ChildHandle | undefined;
let client: RequestClient;

beforeAll(async () => {
  h = await startGroupHarness(null); // servers and a database; the service runs as a child process
  client = new RequestClient(h.nc, { timeoutMs: 3_000, caller: SERVICE_CALLER });
});
afterAll(async () => {
  client?.close();
  await running?.stop();
  await h?.close();
});

async function startGroupProcess(
  crashBeforePublish: boolean,
): Promise<{ child: ChildHandle; died: Promise<string> }> {
  let exited!: (how: string) => void;
  const died = new Promise<string>((resolve) => {
    exited = resolve;
  });
  const child = await startProcess({
    name: 'group',
    command: process.execPath,
    args: ['--conditions=@im/source', '--import', 'tsx', join(repoRoot(), 'services/group/src/main.ts')],
    cwd: repoRoot(),
    env: {
      NATS_URL: h.nats.url,
      MONGO_URL: h.mongoUrl,
      LOG_LEVEL: 'warn',
      RELAY_INTERVAL_MS: '200',
      RELAY_MIN_AGE_MS: '500',
      GROUP_FAULT_CRASH_BEFORE_PUBLISH: crashBeforePublish ? '1' : '0',
      METRICS_PORT: '0', // a free port: test files run side by side
    },
    timeoutMs: 30_000,
    onExit: (code, signal) => exited(signal ?? `code ${code}`),
  });
  running = child;
  return { child, died };
}

async function call<T>(subject: string, payload: unknown): Promise<T> {
  return JSON.parse(
    Buffer.from(await client.request(subject, Buffer.from(JSON.stringify(payload)))).toString(),
  ) as T;
}

const eventsOf = async (groupId: number, subject: string) =>
  (await h.events()).filter((e) => e.payload.group_id === groupId && e.subject === subject);

/** Asks, sees the process die before answering, and checks nothing was published. */
async function crashOn(subject: string, payload: unknown): Promise<void> {
  const { died } = await startGroupProcess(true);
  const error = (await call(subject, payload).catch((e: AppError) => e)) as AppError;
  expect(error.code, error.message).toBe(ErrorCode.UpstreamTimeout);
  expect(await died).toBe('SIGKILL');
}

/** Restarted without the switch: the relay publishes the pending event exactly once. */
async function expectRelayedOnce(groupId: number, subject: string): Promise<void> {
  await startGroupProcess(false);
  await eventually(async () => ((await eventsOf(groupId, subject)).length > 0 ? true : undefined), 15_000);
  await new Promise((resolve) => setTimeout(resolve, 1_500)); // several more relay passes
  expect(await eventsOf(groupId, subject)).toHaveLength(1);
  expect(await h.store.db.collection(GROUP_OUTBOX).countDocuments({ sent: false })).toBe(0);
}

describe('a crash between the write and the publish', () => {
  it('loses no created event: the relay publishes it after the restart, once', async () => {
    await crashOn(GroupSubjects.create, {
      group_name: 'crash',
      member_client_ids: 'a:b',
      organization_id: 9,
    });
    const stored = await h.store.db.collection('groups').findOne({ organization_id: 9, group_name: 'crash' });
    expect(stored?.status).toBe('active'); // the change was written before the crash
    const groupId = stored?.id as number;
    expect(await h.events()).toHaveLength(0); // ...and nothing was published
    expect(await h.store.db.collection(GROUP_OUTBOX).countDocuments({ sent: false })).toBe(1);

    await expectRelayedOnce(groupId, GroupEventSubjects.created);
    const [event] = await eventsOf(groupId, GroupEventSubjects.created);
    expect(event?.payload).toMatchObject({
      group_name: 'crash',
      member_client_ids: ['a', 'b'],
      organization_id: 9,
    });
    const group = await call<GetGroupReply>(GroupSubjects.get, { group_id: groupId });
    expect(group.member_client_ids).toBe('a:b');
    await running?.stop();
  });

  it('loses no members_added event either', async () => {
    await startGroupProcess(false);
    const { group_id } = await call<CreateGroupReply>(GroupSubjects.create, {
      group_name: 'crash2',
      member_client_ids: 'a',
      organization_id: 9,
    });
    await running?.stop();

    await crashOn(GroupSubjects.addMembers, { group_id, member_client_ids: 'a:n1:n2' });
    expect(await eventsOf(group_id, GroupEventSubjects.members_added)).toHaveLength(0);

    await expectRelayedOnce(group_id, GroupEventSubjects.members_added);
    const [event] = await eventsOf(group_id, GroupEventSubjects.members_added);
    expect(event?.payload.member_client_ids).toEqual(['n1', 'n2']);
    const group = await call<GetGroupReply>(GroupSubjects.get, { group_id });
    expect(group.member_client_ids).toBe('a:n1:n2');
  });
});
