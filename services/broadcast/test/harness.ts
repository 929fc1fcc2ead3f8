import { closeBus, connectBus, type NatsConnection, RequestClient } from '@im/bus';
import { DirectoryClassSubjects, encodeCaller } from '@im/contracts';
import { EventPublisher, ensureDirectoryStream, type JetStreamHandles, openJetStream } from '@im/events';
import { createLogger } from '@im/log';
import { connectMongo, type MongoStore } from '@im/store';
import {
  type MongoHandle,
  type NatsHandle,
  pollUntil,
  startMongo,
  startNats,
  uniqueDbName,
} from '@im/testkit';
import { type RunningWorkers, readConfig as readWorkersConfig, startWorkers } from '@im/workers';
import { type RunningBroadcast, readConfig, startBroadcastService } from '../src/service.js';

export const silentLog = createLogger({ name: 'test', level: 'silent' });

/** Requests here come as an internal service would send them; authorization has its own tests. */
export const SERVICE_CALLER = encodeCaller({ sub: 'svc-broadcast-test', orgs: [], role: 'service' });

export interface Harness {
  nats: NatsHandle;
  mongo: MongoHandle;
  /**
   * The broadcast service's own database, and the workers' (deliveries): the services reach each
   * other only over NATS; the tests look into both.
   */
  store: MongoStore;
  workersDb: MongoStore['db'];
  nc: NatsConnection;
  jet: JetStreamHandles;
  client: RequestClient;
  broadcast: RunningBroadcast;
  workers: RunningWorkers;
  /** Stops the workers (the deliveries' owner) for good; close() then leaves them be. */
  stopWorkers(): Promise<void>;
  /** The push clock: set `clock.now` to push on another day. */
  clock: { now: Date };
  close(): Promise<void>;
}

/** Real NATS and MongoDB-wire servers, the broadcast service and the workers in this process. */
export async function startHarness(): Promise<Harness> {
  const [nats, mongo] = await Promise.all([startNats(), startMongo()]);
  const store = await connectMongo(mongo.url, 'broadcast-test', uniqueDbName('broadcast'));
  const workersDb = store.client.db(uniqueDbName('workers'));
  const nc = await connectBus({ servers: nats.url, name: 'broadcast-test', log: silentLog });
  const jet = await openJetStream(nc);
  // The directory's side: it owns DIRECTORY, which no service of ours creates.
  await ensureDirectoryStream(jet.jsm);
  const clock = { now: new Date() };
  const broadcast = await startBroadcastService({
    nc,
    db: store.db,
    log: silentLog,
    config: {
      ...readConfig({
        RELAY_INTERVAL_MS: '60000', // tests drive the relay with runOnce
        // Tests of parking run the relay by hand: no wait between attempts, parked after the third.
        RELAY_MAX_ATTEMPTS: '3',
      }),
      relayBackoffMs: [0],
    },
    now: () => clock.now,
  });
  const workers = await startWorkers({
    nc,
    db: workersDb,
    log: silentLog,
    config: readWorkersConfig({
      FANOUT_CHUNK_SIZE: '200',
      WORKERS_MAX_ATTEMPTS: '3',
      WORKERS_ACK_WAIT_MS: '10000',
    }),
  });
  const client = new RequestClient(nc, { timeoutMs: 10_000, caller: SERVICE_CALLER });
  let stopped: Promise<void> | undefined;
  const stopWorkers = () => {
    stopped ??= workers.stop();
    return stopped;
  };
  return {
    nats,
    mongo,
    store,
    workersDb,
    nc,
    jet,
    client,
    broadcast,
    workers,
    stopWorkers,
    clock,
    async close() {
      client.close();
      await stopWorkers();
      await broadcast.stop();
      await closeBus(nc);
      await store.close();
      await Promise.all([nats.stop(), mongo.stop()]);
    },
  };
}

/** Sends a request as the gateway would; resolves with the parsed reply or rejects with an AppError. */
export async function call<T = Record<string, unknown>>(
  h: Harness,
  subject: string,
  body: unknown,
): Promise<T> {
  const bytes = await h.client.request(subject, Buffer.from(JSON.stringify(body)));
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}

export interface ClassSpec {
  class_id: number;
  organization_id?: number;
  name?: string;
  active?: boolean;
  student_uids: string[];
  occurred_at?: Date;
}

let eventCounter = 0;

/** Publishes a directory class event, as the directory (or the gateway's admin route) would. */
export async function announceClass(jet: JetStreamHandles, spec: ClassSpec): Promise<string> {
  const id = `class-event-${process.pid}-${++eventCounter}-${Date.now()}`;
  await new EventPublisher(jet.js).publish({
    id,
    subject: DirectoryClassSubjects.upserted,
    payload: {
      event_id: id,
      class_id: spec.class_id,
      organization_id: spec.organization_id ?? 1,
      name: spec.name ?? `class ${spec.class_id}`,
      active: spec.active ?? true,
      student_uids: spec.student_uids,
      occurred_at: (spec.occurred_at ?? new Date()).toISOString(),
    },
  });
  return id;
}

export async function deleteClass(
  jet: JetStreamHandles,
  classId: number,
  occurredAt = new Date(),
): Promise<string> {
  const id = `class-delete-${process.pid}-${++eventCounter}-${Date.now()}`;
  await new EventPublisher(jet.js).publish({
    id,
    subject: DirectoryClassSubjects.deleted,
    payload: { event_id: id, class_id: classId, occurred_at: occurredAt.toISOString() },
  });
  return id;
}

/** Waits until the projection has applied `eventId` (or a newer event of that class). */
export async function projected(h: Harness, classId: number, eventId: string, timeoutMs = 15_000) {
  const ok = await pollUntil(
    async () =>
      (await h.store.db.collection('directory_classes').findOne({ class_id: classId }))?.event_id === eventId,
    Date.now() + timeoutMs,
    undefined,
    25,
  );
  if (!ok) throw new Error(`class ${classId}: event ${eventId} not projected in ${timeoutMs} ms`);
}

export const students = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);

/**
 * Waits until a push has `expected` deliveries and the workers count them (their progress is
 * written after a chunk's deliveries and inboxes); returns whether it got there.
 */
export function delivered(h: Harness, pushId: number, expected: number, timeoutMs = 20_000) {
  const progress = h.workersDb.collection<{ _id: string; delivered: number }>('push_progress');
  return pollUntil(
    async () =>
      (await h.workersDb.collection('deliveries').countDocuments({ push_id: pushId })) >= expected &&
      ((await progress.findOne({ _id: String(pushId) }))?.delivered ?? 0) >= expected,
    Date.now() + timeoutMs,
    undefined,
    25,
  );
}
