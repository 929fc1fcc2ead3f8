import { closeBus, connectBus, type NatsConnection, RequestClient } from '@im/bus';
import {
  type AppError,
  type Caller,
  ClassEventSubjects,
  type ClassMessageEvent,
  encodeCaller,
  Streams,
} from '@im/contracts';
import { EventPublisher, ensureStream, type JetStreamHandles, openJetStream } from '@im/events';
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
import { CLASS_MESSAGES_DURABLE } from '../src/class-messages.js';
import { type RunningWorkers, readConfig, startWorkers } from '../src/service.js';

/**
 * Real nats-server and MongoDB-wire server, the workers in this process on their own connection,
 * and a second connection for the test (as the broadcast service or the gateway would be): class
 * messages published to the stream, requests sent as a service.
 */
export interface WorkersHarness {
  nc: NatsConnection;
  store: MongoStore;
  workers: RunningWorkers;
  jet: JetStreamHandles;
  /** Sends a request as `as` (a service by default); resolves with the reply or rejects with an AppError. */
  ask<T = Record<string, unknown>>(subject: string, body: unknown, as?: Caller): Promise<T>;
  refusal(subject: string, body: unknown, as?: Caller): Promise<AppError>;
  publish(event: ClassMessageEvent): Promise<void>;
  /** Waits until every push of `pushIds` is written for `recipients` students each and nothing is pending. */
  fannedOut(pushIds: readonly number[], recipients: number): Promise<boolean>;
  close(): Promise<void>;
}

export const SERVICE: Caller = { sub: 'svc-workers-test', orgs: [], role: 'service' };
const log = createLogger({ name: 'test', level: 'silent' });

export function classMessage(
  pushId: number,
  uids: string[],
  pushedAt: string,
  classId = 1,
): ClassMessageEvent {
  return {
    event_id: `event-${pushId}`,
    push_id: pushId,
    class_id: classId,
    organization_id: 4,
    student_uids: uids,
    message: `push ${pushId}`,
    day: pushedAt.slice(0, 10),
    pushed_at: pushedAt,
  };
}

export async function startWorkersHarness(env: Record<string, string>): Promise<WorkersHarness> {
  const [nats, mongo]: [NatsHandle, MongoHandle] = await Promise.all([startNats(), startMongo()]);
  const store = await connectMongo(mongo.url, 'workers-harness', uniqueDbName('wlive'));
  const workersNc = await connectBus({ servers: nats.url, name: 'workers', log });
  const nc = await connectBus({ servers: nats.url, name: 'workers-test', log });
  const jet = await openJetStream(nc);
  // The broadcast service's part (the workers only read IM_CLASS_EVENTS): this test publishes.
  await ensureStream(jet.jsm, Streams.classEvents);
  const workers = await startWorkers({
    nc: workersNc,
    db: store.db,
    log,
    config: readConfig({ WORKERS_MAX_ATTEMPTS: '3', WORKERS_ACK_WAIT_MS: '10000', ...env }),
  });
  const client = new RequestClient(nc, { timeoutMs: 10_000, caller: encodeCaller(SERVICE) });
  const publisher = new EventPublisher(jet.js);
  const progress = store.db.collection<{ _id: string; delivered?: number }>('push_progress');

  const ask = async <T>(subject: string, body: unknown, as: Caller = SERVICE): Promise<T> => {
    const bytes = await client.request(
      subject,
      Buffer.from(JSON.stringify(body)),
      undefined,
      encodeCaller(as),
    );
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
  };
  return {
    nc,
    store,
    workers,
    jet,
    ask,
    refusal: (subject, body, as) =>
      ask(subject, body, as).then(
        () => {
          throw new Error(`${subject} should have been refused`);
        },
        (error: unknown) => error as AppError,
      ),
    publish: async (event) => {
      await publisher.publish({ id: event.event_id, subject: ClassEventSubjects.message, payload: event });
    },
    fannedOut: (pushIds, recipients) =>
      pollUntil(
        async () => {
          for (const id of pushIds) {
            if (((await progress.findOne({ _id: String(id) }))?.delivered ?? 0) < recipients) return false;
          }
          const info = await jet.jsm.consumers.info(Streams.classEvents.name, CLASS_MESSAGES_DURABLE);
          return info.num_pending === 0 && info.num_ack_pending === 0;
        },
        Date.now() + 30_000,
        undefined,
        25,
      ),
    async close() {
      client.close();
      await workers.stop();
      await closeBus(workersNc);
      await closeBus(nc);
      await store.close();
      await Promise.all([nats.stop(), mongo.stop()]);
    },
  };
}
