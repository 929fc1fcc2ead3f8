import { type NatsConnection, startService } from '@im/bus';
import { DEFAULT_MAX_PAYLOAD, NOTICE_MAX_AGE_MS, NoticeSubjects, ServiceNames, Streams } from '@im/contracts';
import {
  EventPublisher,
  ensureStream,
  NoticedCache,
  openJetStream,
  type Relay,
  startRelay,
} from '@im/events';
import type { Logger } from '@im/log';
import type { Db } from 'mongodb';
import { type BroadcastConfig, readConfig } from './config.js';
import { DeliveriesClient, type PushDeliveryCounts } from './deliveries-client.js';
import { PushOutbox } from './events/push-outbox.js';
import { classPushesEndpoint } from './handlers/class-pushes.js';
import { markNotificationReadEndpoint } from './handlers/mark-notification-read.js';
import { notificationsSinceEndpoint } from './handlers/notifications-since.js';
import { pushEndpoint } from './handlers/push.js';
import { pushRecipientsEndpoint } from './handlers/push-recipients.js';
import { migrateClassPushLists } from './migrate.js';
import {
  type ClassOwner,
  consumeDirectoryClasses,
  DirectoryClasses,
} from './projections/directory-classes.js';
import { PushHistory } from './repositories/push-history.js';

export { type BroadcastConfig, BroadcastConfigSchema, readConfig } from './config.js';
export { dayIn } from './day.js';
export { DIRECTORY_CLASSES_DURABLE } from './projections/directory-classes.js';

/**
 * How much of the owners and counts the pushes pages read is kept per copy, and for how long
 * without a notice: a lost notice (core NATS) shows a change that much later, at most.
 */
const KEPT = { maxEntries: 20_000, maxAgeMs: NOTICE_MAX_AGE_MS };

export type BroadcastSettings = Pick<
  BroadcastConfig,
  | 'pushTimeZone'
  | 'jetstreamReplicas'
  | 'relayIntervalMs'
  | 'relayBusyIntervalMs'
  | 'relayMinAgeMs'
  | 'relayMaxAttempts'
  | 'faultCrashBeforePublish'
  | 'maxInFlight'
  | 'deliveriesTimeoutMs'
> & {
  /** Delay after the relay's failed attempt n (the last repeats); the relay's default when absent. */
  relayBackoffMs?: number[];
};

/** The settings a service started without configuration gets: the config schema's defaults, read once. */
export const DEFAULT_BROADCAST_SETTINGS: BroadcastSettings = readConfig({});

export interface BroadcastServiceOptions {
  nc: NatsConnection;
  /** This service's own database (push_history, directory_classes, counters): the only one it opens. */
  db: Db;
  log: Logger;
  /** Missing settings take DEFAULT_BROADCAST_SETTINGS. */
  config?: Partial<BroadcastSettings>;
  /** The push clock; tests pin it to push one class on several days. */
  now?: () => Date;
}

export interface RunningBroadcast {
  relay: Relay;
  pushes: PushHistory;
  stop(): Promise<void>;
}

/**
 * The broadcast service on open connections; `main.ts` and the in-process tests start it alike.
 * Streams and indexes first (start-up order of processes must not matter), then the directory
 * projection, the relay for events a crash left behind, and last the request endpoints.
 */
export async function startBroadcastService(options: BroadcastServiceOptions): Promise<RunningBroadcast> {
  const { nc, db, log } = options;
  const config: BroadcastSettings = { ...DEFAULT_BROADCAST_SETTINGS, ...options.config };
  const handles = await openJetStream(nc);
  // Only the streams it publishes into: DIRECTORY is the directory's, the projection waits for it.
  for (const stream of [Streams.classEvents, Streams.deadLetters]) {
    await ensureStream(handles.jsm, stream, { replicas: config.jetstreamReplicas });
  }
  // What the pushes pages read of others' data, kept until a change notice (README, "Events").
  const owners = await NoticedCache.open<ClassOwner>(nc, { subject: NoticeSubjects.classes, ...KEPT, log });
  const counts = await NoticedCache.open<PushDeliveryCounts>(nc, {
    subject: NoticeSubjects.pushCounts,
    ...KEPT,
    log,
  });
  const classes = new DirectoryClasses(db, {
    owners,
    changed: (classId) => owners.changed([String(classId)]),
  });
  const pushes = new PushHistory(db);
  const deliveries = new DeliveriesClient(nc, config.deliveriesTimeoutMs, log, counts);
  await classes.ensureIndexes();
  await pushes.ensureIndexes();
  await migrateClassPushLists(db, pushes.byClass, log);

  const publisher = new EventPublisher(handles.js);
  const projection = await consumeDirectoryClasses(handles, log, classes);
  const relay = startRelay({
    sources: [new PushOutbox(pushes)],
    publisher,
    log,
    intervalMs: config.relayIntervalMs,
    busyIntervalMs: config.relayBusyIntervalMs,
    minAgeMs: config.relayMinAgeMs,
    maxAttempts: config.relayMaxAttempts,
    ...(config.relayBackoffMs !== undefined ? { retryBackoffMs: config.relayBackoffMs } : {}),
    connection: nc,
  });
  const service = await startService(nc, {
    name: ServiceNames.broadcast,
    version: '0.1.0',
    description: 'Class broadcasts: once a day per class, push history, class-message events',
    log,
    maxInFlight: config.maxInFlight,
    endpoints: [
      pushEndpoint({
        classes,
        pushes,
        publisher,
        timeZone: config.pushTimeZone,
        now: options.now ?? (() => new Date()),
        maxPayload: () => nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD,
        crashBeforePublish: config.faultCrashBeforePublish,
      }),
      classPushesEndpoint({ classes, pushes, deliveries }),
      pushRecipientsEndpoint({ classes, pushes, deliveries }),
      notificationsSinceEndpoint(deliveries),
      markNotificationReadEndpoint(deliveries),
    ],
  });
  return {
    relay,
    pushes,
    async stop() {
      await service.stop();
      deliveries.close();
      owners.close();
      counts.close();
      await projection.stop();
      await relay.stop();
    },
  };
}
