import { closeBus, connectBus, type NatsConnection, RequestClient } from '@im/bus';
import { type AppError, type Caller, encodeCaller, Streams } from '@im/contracts';
import { ensureDirectoryStream } from '@im/events';
import { createLogger } from '@im/log';
import { connectMongo, type MongoStore } from '@im/store';
import {
  type MongoHandle,
  type NatsHandle,
  startMongo,
  startNats,
  uniqueDbName,
  withDbName,
} from '@im/testkit';
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import type { Db } from 'mongodb';
import { type GroupSettings, type RunningGroupService, startGroupService } from '../src/service.js';

export const testLog = createLogger({ name: 'group-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** Requests here come as an internal service would send them; authorization has its own tests. */
export const TEST_SERVICE: Caller = { sub: 'svc-group-test', orgs: [], role: 'service' };
export const SERVICE_CALLER = encodeCaller(TEST_SERVICE);

export interface StreamEvent {
  seq: number;
  subject: string;
  msgId: string | undefined;
  payload: Record<string, unknown> & { event_id: string; type: string; group_id: number };
}

/** Real servers (testkit), one database of its own, the service in-process, a NATS client for calls. */
export interface GroupHarness {
  nats: NatsHandle;
  mongo: MongoHandle;
  mongoUrl: string;
  store: MongoStore;
  nc: NatsConnection;
  jsm: JetStreamManager;
  service: RunningGroupService | undefined;
  /**
   * A request as the gateway sends it (as a service, unless `caller` says who): resolves with the
   * parsed reply, rejects with an AppError.
   */
  call<T = Record<string, unknown>>(subject: string, payload: unknown, caller?: Caller): Promise<T>;
  /** The error a request ends with (fails the test if it succeeds). */
  failure(subject: string, payload: unknown): Promise<AppError>;
  /** Starts the service on the harness's database, or on `db` (another client of the same database). */
  startService(config?: Partial<GroupSettings>, db?: Db): Promise<RunningGroupService>;
  /** Every message on the group event stream, oldest first. */
  events(): Promise<StreamEvent[]>;
  close(): Promise<void>;
}

export async function startGroupHarness(
  config: Partial<GroupSettings> | null = {},
  servers: { nats?: NatsHandle; mongo?: MongoHandle } = {},
): Promise<GroupHarness> {
  const nats = servers.nats ?? (await startNats());
  const mongo = servers.mongo ?? (await startMongo());
  const mongoUrl = withDbName(mongo.url, uniqueDbName('group'));
  const store = await connectMongo(mongoUrl, 'group-test');
  const nc = await connectBus({ servers: nats.url, name: 'group-test', log: testLog });
  const jsm = await jetstreamManager(nc);
  // The directory's side: it owns DIRECTORY, which the group service only reads.
  await ensureDirectoryStream(jsm);
  const client = new RequestClient(nc, { timeoutMs: 20_000, caller: SERVICE_CALLER });
  const decoder = new TextDecoder();

  const h: GroupHarness = {
    nats,
    mongo,
    mongoUrl,
    store,
    nc,
    jsm,
    service: undefined,
    async call<T>(subject: string, payload: unknown, caller?: Caller): Promise<T> {
      const as = caller && encodeCaller(caller);
      const bytes = await client.request(subject, Buffer.from(JSON.stringify(payload)), undefined, as);
      return JSON.parse(decoder.decode(bytes)) as T;
    },
    async failure(subject, payload) {
      try {
        await h.call(subject, payload);
      } catch (error) {
        return error as AppError;
      }
      throw new Error(`${subject} succeeded where a failure was expected`);
    },
    async startService(settings, db = store.db) {
      h.service = await startGroupService({ nc, db, log: testLog, config: settings });
      return h.service;
    },
    async events() {
      let info: Awaited<ReturnType<JetStreamManager['streams']['info']>>;
      try {
        info = await jsm.streams.info(Streams.groupEvents.name);
      } catch {
        return [];
      }
      const found: StreamEvent[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const m = await jsm.streams.getMessage(Streams.groupEvents.name, { seq });
        if (!m) continue;
        found.push({
          seq,
          subject: m.subject,
          msgId: m.header.get('Nats-Msg-Id') || undefined,
          payload: m.json(),
        });
      }
      return found;
    },
    async close() {
      await h.service?.stop();
      client.close();
      await closeBus(nc);
      await store.close();
      if (!servers.nats) await nats.stop();
      if (!servers.mongo) await mongo.stop();
    },
  };
  if (config) await h.startService(config);
  return h;
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
