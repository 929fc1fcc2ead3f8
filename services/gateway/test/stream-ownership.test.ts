import { resolve } from 'node:path';
import { DIRECTORY_CLASSES_DURABLE, startBroadcastService } from '@im/broadcast-service';
import { closeBus, connectBus, type NatsConnection } from '@im/bus';
import { Streams } from '@im/contracts';
import { DIRECTORY_USERS_DURABLE, startGroupService } from '@im/group-service';
import { createLogger } from '@im/log';
import { connectMongo, type MongoStore } from '@im/store';
import {
  type MongoHandle,
  type NatsHandle,
  pollUntil,
  repoRoot,
  runOnce,
  startMongo,
  startNats,
  uniqueDbName,
} from '@im/testkit';
import { CLASS_MESSAGES_DURABLE, startWorkers } from '@im/workers';
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../src/server.js';
import { type Gateway, orgAdmin, service, silentLog, type TestAuth, testAuth, user } from './helpers.js';

/**
 * Each stream is created by the side that publishes into it (README, "Events"). The services
 * start in the least convenient order (workers, group, broadcast) on a bare nats-server: each
 * creates only its own streams, nobody DIRECTORY, and each comes up at once even while its
 * consumer waits for a stream. The workers bind as soon as the broadcast service has created
 * IM_CLASS_EVENTS, the projections once the directory's side has provisioned DIRECTORY with
 * `im-ensure-streams`; then a class announced through the admin routes is pushed and fanned out.
 */
let nats: NatsHandle;
let mongo: MongoHandle;
let store: MongoStore;
let nc: NatsConnection;
let gatewayNc: NatsConnection;
let jsm: JetStreamManager;
let gateway: Gateway;
let auth: TestAuth;
const stops: (() => Promise<void>)[] = [];
const workerLines: { msg: string }[] = [];
let workersDb: ReturnType<MongoStore['client']['db']>;

beforeAll(async () => {
  [nats, mongo] = await Promise.all([startNats(), startMongo()]);
  store = await connectMongo(mongo.url, 'stream-ownership-test', uniqueDbName('own_group'));
  nc = await connectBus({ servers: nats.url, name: 'test-services', log: silentLog });
  gatewayNc = await connectBus({ servers: nats.url, name: 'test-gateway', log: silentLog });
  jsm = await jetstreamManager(nc);
  auth = testAuth();
  gateway = await buildServer({
    nc: gatewayNc,
    log: silentLog,
    requestTimeoutMs: 10_000,
    bodyLimit: 1_048_576,
    auth: auth.settings,
  });
  workersDb = store.client.db(uniqueDbName('own_workers'));
});
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await gateway?.close();
  if (gatewayNc) await closeBus(gatewayNc);
  if (nc) await closeBus(nc);
  await store?.close();
  await Promise.all([nats?.stop(), mongo?.stop()]);
});

const streamNames = async () => (await jsm.streams.names().next()).sort();
const consumerBound = (stream: string, durable: string) =>
  pollUntil(
    async () =>
      jsm.consumers.info(stream, durable).then(
        () => true,
        () => false,
      ),
    Date.now() + 10_000,
  );

describe('who creates which stream', () => {
  it('workers, then group, then broadcast: each its own streams, none DIRECTORY, each up at once', async () => {
    const workers = await startWorkers({
      nc,
      db: workersDb,
      log: createLogger({
        name: 'workers',
        level: 'info',
        destination: { write: (line: string) => void workerLines.push(JSON.parse(line)) },
      }),
      config: { chunkSize: 500, chunkPauseMs: 0, maxAttempts: 3, ackWaitMs: 10_000 },
    });
    stops.push(() => workers.stop());
    // Dead letters only: IM_CLASS_EVENTS is the broadcast service's. Its reads answer meanwhile.
    expect(await streamNames()).toEqual([Streams.deadLetters.name]);
    expect(workerLines.filter((l) => l.msg.startsWith('waiting for stream'))).toEqual([
      expect.objectContaining({
        msg: 'waiting for stream IM_CLASS_EVENTS (created by the broadcast service)',
      }),
    ]);

    const group = await startGroupService({ nc, db: store.db, log: silentLog });
    stops.push(() => group.stop());
    expect(await streamNames()).toEqual([Streams.groupEvents.name, Streams.deadLetters.name].sort());

    const broadcast = await startBroadcastService({
      nc,
      db: store.client.db(uniqueDbName('own_broadcast')),
      log: silentLog,
      config: { pushTimeZone: 'Asia/Shanghai' },
    });
    stops.push(() => broadcast.stop());
    expect(await streamNames()).toEqual(
      [Streams.groupEvents.name, Streams.classEvents.name, Streams.deadLetters.name].sort(),
    );
    // Started before the stream existed, the workers' consumer binds once it does.
    expect(await consumerBound(Streams.classEvents.name, CLASS_MESSAGES_DURABLE)).toBe(true);

    // Every service serves although its projection still waits for DIRECTORY.
    const groups = await gateway.inject({
      method: 'GET',
      url: '/im/org/3/groups',
      headers: auth.as(orgAdmin('t3', 3)),
    });
    expect(groups.statusCode).toBe(200);
    const notifications = await gateway.inject({
      method: 'GET',
      url: '/im/user/s1/notifications',
      headers: auth.as(user('s1')),
    });
    expect(notifications.statusCode).toBe(200);
  });

  it('answers 503 on the admin routes until the directory side provisions DIRECTORY, then flows end to end', async () => {
    const announce = () =>
      gateway.inject({
        method: 'PUT',
        url: '/im/admin/classes/31',
        headers: { ...auth.as(service('directory')), 'content-type': 'application/json' },
        payload: JSON.stringify({
          organization_id: 3,
          name: 'C31',
          active: true,
          student_uids: ['s1', 's2', 's3'],
        }),
      });
    const before = await announce();
    expect(before.statusCode).toBe(503);
    expect(before.json().msg).toBe('the event stream DIRECTORY is unavailable; try again');

    const out = await runOnce({
      name: 'im-ensure-streams',
      command: process.execPath,
      args: [
        '--conditions=@im/source',
        '--import',
        'tsx',
        resolve(repoRoot(), 'libs/events/src/bin/ensure-streams.ts'),
      ],
      cwd: repoRoot(),
      env: { NATS_URL: nats.url, JETSTREAM_REPLICAS: '1' },
      timeoutMs: 30_000,
    });
    expect(out).toBe('DIRECTORY: created (subjects directory.>, 1 replica)');
    expect(await consumerBound(Streams.directory.name, DIRECTORY_USERS_DURABLE)).toBe(true);
    expect(await consumerBound(Streams.directory.name, DIRECTORY_CLASSES_DURABLE)).toBe(true);

    expect((await announce()).statusCode).toBe(202);
    const teacher = auth.as(orgAdmin('t3', 3));
    const pushed = await pollUntil(
      async () =>
        (await gateway.inject({ method: 'POST', url: '/im/org/31/message', headers: teacher })).statusCode ===
        201,
      Date.now() + 10_000,
      undefined,
      100,
    );
    expect(pushed).toBe(true);
    // Fanned out by the workers: each student's notifications show the push.
    for (const student of ['s1', 's2', 's3']) {
      const delivered = await pollUntil(
        async () => {
          const res = await gateway.inject({
            method: 'GET',
            url: `/im/user/${student}/notifications`,
            headers: auth.as(user(student)),
          });
          return res.statusCode === 200 && res.json().total_count === 1;
        },
        Date.now() + 10_000,
        undefined,
        100,
      );
      expect(delivered).toBe(true);
    }
  });
});
