import { startBroadcastService } from '@im/broadcast-service';
import { closeBus, connectBus } from '@im/bus';
import { ClassEventSubjects, type ClassMessageEvent } from '@im/contracts';
import { EventPublisher, openJetStream } from '@im/events';
import { connectMongo, type MongoStore } from '@im/store';
import { type MongoHandle, pollUntil, startMongo, uniqueDbName } from '@im/testkit';
import { startWorkers } from '@im/workers';
import { buildServer, type ServerOptions } from '../../src/server.js';
import {
  addDirectoryStream,
  type Claims,
  type GatewayHarness,
  service,
  silentLog,
  startGatewayHarness,
} from '../helpers.js';
import { SseStream } from './sse-client.js';

/**
 * A gateway listening on a real port, with the broadcast service and the workers in-process on
 * real NATS and a real MongoDB-wire server: what the live notification tests stream from.
 */
export interface LiveHarness {
  h: GatewayHarness;
  store: MongoStore;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** The directory's admin call: a class of organization `ORG` with these students. */
  createClass(classId: number, students: string[]): Promise<void>;
  /** A push through the gateway, as an org_admin of `ORG`: its push_history_record_id. */
  push(classId: number, message: string): Promise<number>;
  /** A class-message event published straight into IM_CLASS_EVENTS, as the broadcast service would. */
  publishClassMessage(event: ClassMessageEvent): Promise<void>;
  /** A stream opened as `as` (or with the headers given, a ticket's URL and none). */
  stream(
    clientId: string,
    as: Claims | null,
    extra?: { headers?: Record<string, string>; query?: string },
  ): Promise<SseStream>;
  /**
   * Another gateway copy on the same NATS and keys (its own connection), listening: for a test
   * that shuts one down, or needs other settings. Closed with the harness unless closed before.
   */
  copy(
    options?: Partial<Pick<ServerOptions, 'rateLimit' | 'streams' | 'log' | 'corsOrigins'>>,
  ): Promise<GatewayCopy>;
  close(): Promise<void>;
}

export interface GatewayCopy {
  gateway: Awaited<ReturnType<typeof buildServer>>;
  base: string;
  close(): Promise<void>;
}

export const ORG = 3;
const DIRECTORY = service('directory');

export async function startLiveHarness(
  options: Partial<Pick<ServerOptions, 'rateLimit' | 'streams'>> & { workers?: Record<string, unknown> } = {},
): Promise<LiveHarness> {
  const [h, mongo] = await Promise.all([
    startGatewayHarness(10_000, {
      ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
      ...(options.streams ? { streams: options.streams } : {}),
    }),
    startMongo(),
  ]);
  const stops: (() => Promise<void>)[] = [];
  let store: MongoStore | undefined;
  try {
    store = await connectMongo(mongo.url, 'gateway-live-test', uniqueDbName('gw_live'));
    await addDirectoryStream(h.nc);
    const broadcast = await startBroadcastService({
      nc: h.nc,
      db: store.db,
      log: silentLog,
      config: { relayIntervalMs: 1_000, relayMinAgeMs: 2_000 },
    });
    stops.push(() => broadcast.stop());
    const workers = await startWorkers({
      nc: h.nc,
      db: store.client.db(uniqueDbName('gw_live_workers')),
      log: silentLog,
      config: { chunkSize: 500, ackWaitMs: 10_000, ...options.workers },
    });
    stops.push(() => workers.stop());
    const base = await h.gateway.listen({ host: '127.0.0.1', port: 0 });
    return harness(h, mongo, store, stops, base);
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await store?.close();
    await h.close();
    await mongo.stop();
    throw error;
  }
}

function harness(
  h: GatewayHarness,
  mongo: MongoHandle,
  store: MongoStore,
  stops: (() => Promise<void>)[],
  base: string,
): LiveHarness {
  const copies: (() => Promise<void>)[] = [];
  const call = async (method: string, path: string, as: Claims, body?: object) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...h.auth.as(as), ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    h,
    store,
    base,
    async createClass(classId, students) {
      const res = await call('PUT', `/im/admin/classes/${classId}`, DIRECTORY, {
        organization_id: ORG,
        name: `Class ${classId}`,
        active: true,
        student_uids: students,
      });
      if (res.status !== 202) throw new Error(`class ${classId}: ${res.status} ${JSON.stringify(res.body)}`);
      const known = await pollUntil(
        async () =>
          (await store.db.collection('directory_classes').findOne({ class_id: classId }))?.event_id ===
          res.body.event_id,
        Date.now() + 15_000,
        undefined,
        25,
      );
      if (!known) throw new Error(`class ${classId}: the broadcast service never learned of it`);
    },
    async push(classId, message) {
      const res = await call('POST', `/im/org/${classId}/message`, DIRECTORY, { message });
      if (res.status !== 201) throw new Error(`push ${classId}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.push_history_record_id as number;
    },
    async publishClassMessage(event) {
      const { js } = await openJetStream(h.nc);
      await new EventPublisher(js).publish({
        id: event.event_id,
        subject: ClassEventSubjects.message,
        payload: event,
      });
    },
    async stream(clientId, as, extra = {}) {
      const query = extra.query ? `?${extra.query}` : '';
      return SseStream.open(`${base}/im/user/${encodeURIComponent(clientId)}/notifications/stream${query}`, {
        ...(as ? h.auth.as(as) : {}),
        ...extra.headers,
      });
    },
    async copy(options = {}) {
      const nc = await connectBus({ servers: h.nats.url, name: 'test-gateway-copy', log: silentLog });
      const gateway = await buildServer({
        log: silentLog,
        nc,
        requestTimeoutMs: 10_000,
        bodyLimit: 1_048_576,
        auth: h.auth.settings,
        ...options,
      });
      const copyBase = await gateway.listen({ host: '127.0.0.1', port: 0 });
      let closed: Promise<void> | undefined;
      const close = () => {
        closed ??= (async () => {
          await gateway.close();
          await closeBus(nc);
        })();
        return closed;
      };
      copies.push(close);
      return { gateway, base: copyBase, close };
    },
    async close() {
      for (const close of copies) await close().catch(() => {});
      for (const stop of stops.reverse()) await stop().catch(() => {});
      await h.close();
      await store.close();
      await mongo.stop();
    },
  };
}
