import { resolve } from 'node:path';
import { closeBus, connectBus, type NatsConnection, RequestClient } from '@im/bus';
import { AppError, BroadcastSubjects, DirectoryClassSubjects, encodeCaller, Streams } from '@im/contracts';
import { EventPublisher, ensureDirectoryStream, type JetStreamHandles, openJetStream } from '@im/events';
import { createLogger } from '@im/log';
import {
  type ChildHandle,
  type MongoHandle,
  type NatsHandle,
  pollUntil,
  repoRoot,
  startMongo,
  startNats,
  startProcess,
  uniqueDbName,
  withDbName,
} from '@im/testkit';
import { type Db, type Document, MongoClient } from 'mongodb';
import { expect } from 'vitest';
import { CLASS_MESSAGES_DURABLE } from '../src/class-messages.js';
import { Deliveries, deliveryId } from '../src/repositories/deliveries.js';
import { StudentNotifications } from '../src/repositories/student-notifications.js';

/**
 * Crash tests run the broadcast service and the workers as real processes (through tsx, from
 * source) against real NATS and MongoDB-wire servers, so a SIGKILL is a real crash. Each service
 * has its own database, as in production; only the tests look into both.
 */
const log = createLogger({ name: 'crash-test', level: 'silent' });

/** The tests push as an internal service would. */
export const SERVICE_CALLER = encodeCaller({ sub: 'svc-crash-test', orgs: [], role: 'service' });

export interface CrashWorld {
  nats: NatsHandle;
  mongo: MongoHandle;
  client: MongoClient;
  broadcastDbName: string;
  workersDbName: string;
  broadcastDb: Db;
  workersDb: Db;
  nc: NatsConnection;
  jet: JetStreamHandles;
  requests: RequestClient;
  /** Service processes started for this world; close() kills what is still running. */
  processes: ChildHandle[];
  close(): Promise<void>;
}

export async function startWorld(): Promise<CrashWorld> {
  const [nats, mongo] = await Promise.all([startNats(), startMongo()]);
  const broadcastDbName = uniqueDbName('crash_b');
  const workersDbName = uniqueDbName('crash_w');
  const client = new MongoClient(mongo.url, { retryWrites: false });
  await client.connect();
  const nc = await connectBus({ servers: nats.url, name: 'crash-test', log });
  const jet = await openJetStream(nc);
  // The directory's side: it owns DIRECTORY, which no service of ours creates.
  await ensureDirectoryStream(jet.jsm);
  const requests = new RequestClient(nc, { timeoutMs: 8_000, caller: SERVICE_CALLER });
  const processes: ChildHandle[] = [];
  return {
    nats,
    mongo,
    client,
    broadcastDbName,
    workersDbName,
    broadcastDb: client.db(broadcastDbName),
    workersDb: client.db(workersDbName),
    nc,
    jet,
    requests,
    processes,
    async close() {
      requests.close();
      for (const child of processes) await child.kill();
      await closeBus(nc);
      await client.close();
      await Promise.all([nats.stop(), mongo.stop()]);
    },
  };
}

const SERVICE_ARGS = (service: string) => [
  '--conditions=@im/source',
  '--import',
  'tsx',
  resolve(repoRoot(), `services/${service}/src/main.ts`),
];

export interface ServiceProcess extends ChildHandle {
  /** Resolves when the process exits without being asked to (its own SIGKILL, a crash). */
  died: Promise<NodeJS.Signals | number | null>;
}

async function startService(
  world: CrashWorld,
  service: 'broadcast' | 'workers',
  env: Record<string, string>,
): Promise<ServiceProcess> {
  let died!: (how: NodeJS.Signals | number | null) => void;
  const diedPromise = new Promise<NodeJS.Signals | number | null>((r) => {
    died = r;
  });
  const own = service === 'broadcast' ? world.broadcastDbName : world.workersDbName;
  const child = await startProcess({
    name: service,
    command: process.execPath,
    args: SERVICE_ARGS(service),
    cwd: repoRoot(),
    timeoutMs: 30_000,
    env: {
      NATS_URL: world.nats.url,
      MONGO_URL: withDbName(world.mongo.url, own),
      LOG_LEVEL: 'warn',
      LOG_PRETTY: '0',
      METRICS_PORT: '0', // a free port: test files run side by side
      ...env,
    },
    onExit: (code, signal) => died(signal ?? code),
  });
  world.processes.push(child);
  return Object.assign(child, { died: diedPromise });
}

/** Relay settings short enough for a test to wait on; production defaults are 1 s / 2 s. */
export const startBroadcast = (world: CrashWorld, env: Record<string, string> = {}) =>
  startService(world, 'broadcast', { RELAY_INTERVAL_MS: '250', RELAY_MIN_AGE_MS: '500', ...env });

/**
 * The workers with their production defaults (ack wait 5 s): held messages are kept alive, so a
 * message held by a killed worker comes back within seconds without a test-only setting.
 */
export const startWorkers = (world: CrashWorld, env: Record<string, string> = {}) =>
  startService(world, 'workers', env);

export const studentsOf = (classId: number, count: number) =>
  Array.from({ length: count }, (_, i) => `k${classId}-${i}`);

/** Announces a class through the directory stream and waits until the broadcast projection has it. */
export async function createClass(world: CrashWorld, classId: number, uids: string[]): Promise<void> {
  const id = `crash-class-${classId}-${Date.now()}`;
  await new EventPublisher(world.jet.js).publish({
    id,
    subject: DirectoryClassSubjects.upserted,
    payload: {
      event_id: id,
      class_id: classId,
      organization_id: 1,
      name: `class ${classId}`,
      active: true,
      student_uids: uids,
      occurred_at: new Date().toISOString(),
    },
  });
  const ok = await pollUntil(
    async () =>
      (await world.broadcastDb.collection('directory_classes').findOne({ class_id: classId }))?.event_id ===
      id,
    Date.now() + 30_000,
  );
  if (!ok) throw new Error(`class ${classId} was not projected`);
}

export type PushOutcome = { ok: true; pushId: number } | { ok: false; code: number; message: string };

export async function push(
  world: CrashWorld,
  classId: number,
  requests: RequestClient = world.requests,
): Promise<PushOutcome> {
  try {
    const bytes = await requests.request(
      BroadcastSubjects.push,
      Buffer.from(JSON.stringify({ class_id: classId })),
    );
    const reply = JSON.parse(Buffer.from(bytes).toString('utf8')) as { push_history_record_id: number };
    return { ok: true, pushId: reply.push_history_record_id };
  } catch (error) {
    if (error instanceof AppError) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}

/** Nothing left anywhere: every push's event sent, and the workers' consumer has nothing pending. */
export async function quiet(world: CrashWorld): Promise<boolean> {
  const unsent = await world.broadcastDb.collection('push_history').countDocuments({ 'event.sent': false });
  if (unsent > 0) return false;
  const info = await world.jet.jsm.consumers
    .info(Streams.classEvents.name, CLASS_MESSAGES_DURABLE)
    .catch(() => null);
  return info !== null && info.num_pending === 0 && info.num_ack_pending === 0;
}

/**
 * Waits until every recorded push has a delivery per recipient and nothing is pending, then
 * checks each push: exactly the recipients, each exactly once. Returns the records checked.
 */
export async function expectAllDeliveredOnce(world: CrashWorld, timeoutMs = 90_000) {
  const pushes = world.broadcastDb.collection('push_history');
  const deliveries = world.workersDb.collection('deliveries');
  const complete = async () => {
    for (const record of await pushes.find().toArray()) {
      if ((await deliveries.countDocuments({ push_id: record.id })) < record.recipient_count) return false;
    }
    return quiet(world);
  };
  expect(await pollUntil(complete, Date.now() + timeoutMs, undefined, 250)).toBe(true);
  const rosters = world.broadcastDb.collection('class_rosters');
  const records = await pushes.find().toArray();
  for (const record of records) {
    record.student_uids ??= (await rosters.findOne({ _id: record.roster_id }))?.student_uids;
    const rows = await deliveries.find({ push_id: record.id }, { projection: { student_uid: 1 } }).toArray();
    const got = rows.map((r) => r.student_uid as string).sort();
    // Sorted lists equal: every recipient once, nobody twice, nobody else.
    expect(got).toEqual([...(record.student_uids as string[])].sort());
  }
  await expectInboxesHoldOnce(world, records);
  return records;
}

/** Each recipient's inbox lists each of its pushes exactly once, and nothing else. */
async function expectInboxesHoldOnce(world: CrashWorld, records: Document[]) {
  const expected = new Map<string, number[]>();
  for (const record of records) {
    for (const uid of record.student_uids as string[]) {
      expected.set(uid, [...(expected.get(uid) ?? []), record.id as number]);
    }
  }
  const notifications = new StudentNotifications(new Deliveries(world.workersDb));
  for (const [uid, pushIds] of expected) {
    const page = await notifications.page(uid, 0, 100);
    expect(page.total).toBe(pushIds.length);
    expect(page.items.map((e) => e.push_id).sort((a, b) => a - b)).toEqual(pushIds.sort((a, b) => a - b));
    // Numbered 1 … n in arrival order, whatever crashed, and each delivery files the same seq.
    const replay = await notifications.since(uid, 0);
    expect(replay.items.map((i) => i.seq)).toEqual(pushIds.map((_, i) => i + 1));
    for (const { seq, delivery } of replay.items) {
      const stored = await world.workersDb
        .collection<{ _id: string; seq?: number }>('deliveries')
        .findOne({ _id: deliveryId(delivery.push_id, uid) });
      expect(stored?.seq).toBe(seq);
    }
  }
}
