import { type NatsConnection, startService } from '@im/bus';
import { NOTICE_MAX_AGE_MS, NoticeSubjects, Streams, WORKERS_SERVICE_NAME } from '@im/contracts';
import { ensureStream, NoticedCache, openJetStream, publishNotice } from '@im/events';
import type { Logger } from '@im/log';
import type { Db } from 'mongodb';
import { consumeClassMessages, type FanoutSettings } from './class-messages.js';
import { readConfig, type WorkersConfig } from './config.js';
import { deliveredAtEndpoint } from './handlers/delivered-at.js';
import { deliveriesSinceEndpoint } from './handlers/deliveries-since.js';
import { deliveryCountsEndpoint } from './handlers/delivery-counts.js';
import { markReadEndpoint } from './handlers/mark-read.js';
import { userNotificationsEndpoint } from './handlers/user-notifications.js';
import { natsLiveNotifications } from './live-notifications.js';
import { migrateReadTotals } from './migrate.js';
import { Deliveries } from './repositories/deliveries.js';
import { StudentNotifications } from './repositories/student-notifications.js';

export {
  CLASS_MESSAGES_DEAD_LETTERS,
  CLASS_MESSAGES_DURABLE,
  type FanoutSettings,
} from './class-messages.js';
export { readConfig, type WorkersConfig, WorkersConfigSchema } from './config.js';
export { Deliveries, type Delivery, type InboxEntry } from './repositories/deliveries.js';
export { StudentNotifications } from './repositories/student-notifications.js';

/**
 * The inbox heads' versions (`w`) each copy keeps between writes (change notices, README
 * "Events"): an inbox page asked again is then answered from the page cache with no look-up. A
 * number per student; a lost notice (core NATS) shows a change that much later, at most.
 */
const KEPT_INBOX_VERSIONS = { maxEntries: 50_000, maxAgeMs: NOTICE_MAX_AGE_MS };

export type WorkersSettings = FanoutSettings & Pick<WorkersConfig, 'maxInFlight'>;

/** The settings workers started without configuration get: the config schema's defaults, read once. */
export const DEFAULT_WORKERS_SETTINGS: WorkersSettings = readConfig({});

export interface WorkersOptions {
  nc: NatsConnection;
  /** The workers' own database: `deliveries`, which nobody else opens. */
  db: Db;
  log: Logger;
  /** Missing settings take DEFAULT_WORKERS_SETTINGS. */
  config?: Partial<WorkersSettings>;
}

export interface RunningWorkers {
  deliveries: Deliveries;
  notifications: StudentNotifications;
  /** Stops answering reads, then stops pulling (messages in hand are finished first). */
  stop(): Promise<void>;
}

/**
 * The workers on open connections; `main.ts` and the in-process tests start them alike. They
 * write the deliveries (the class-message consumer) and answer every read about them (request
 * endpoints beside it), so a reader finds the deliveries where they are written. Streams and
 * indexes first (start-up order of processes must not matter), then the one-time conversions of
 * stored data (migrate.ts), then the consumer, last the reads.
 */
export async function startWorkers(options: WorkersOptions): Promise<RunningWorkers> {
  const { nc, db, log } = options;
  const config: WorkersSettings = { ...DEFAULT_WORKERS_SETTINGS, ...options.config };
  const handles = await openJetStream(nc);
  // Only what it publishes into: IM_CLASS_EVENTS is the broadcast service's, the consumer waits for it.
  await ensureStream(handles.jsm, Streams.deadLetters, { replicas: config.jetstreamReplicas });
  // Every read and write of the deliveries goes by `_id`: no index to create.
  await migrateReadTotals(db, log);
  const inboxVersions = await NoticedCache.open<number>(nc, {
    subject: NoticeSubjects.inboxes,
    ...KEPT_INBOX_VERSIONS,
    log,
  });
  const deliveries = new Deliveries(db, {
    live: natsLiveNotifications(nc, log),
    inboxChanged: (studentUid) => inboxVersions.changed([studentUid]),
    // The broadcast service keeps the counts its pushes pages show until it hears of a change.
    countsChanged: (pushId) => publishNotice(nc, NoticeSubjects.pushCounts, [String(pushId)]),
  });
  const notifications = new StudentNotifications(deliveries, inboxVersions);
  const consumer = await consumeClassMessages(handles, log, deliveries, config);
  const service = await startService(nc, {
    name: WORKERS_SERVICE_NAME,
    version: '0.1.0',
    description:
      'Class-message fan-out into one delivery per student, every read of the deliveries, read marks',
    log,
    maxInFlight: config.maxInFlight,
    endpoints: [
      userNotificationsEndpoint(notifications),
      deliveryCountsEndpoint(deliveries),
      deliveredAtEndpoint(deliveries),
      deliveriesSinceEndpoint(notifications),
      markReadEndpoint(notifications),
    ],
  });
  return {
    deliveries,
    notifications,
    async stop() {
      await service.stop();
      await consumer.stop();
      inboxVersions.close();
    },
  };
}
