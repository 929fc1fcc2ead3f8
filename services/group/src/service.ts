import { type NatsConnection, startService } from '@im/bus';
import { NOTICE_MAX_AGE_MS, NoticeSubjects, ServiceNames, Streams } from '@im/contracts';
import {
  EventPublisher,
  ensureStream,
  NoticedCache,
  Outbox,
  openJetStream,
  type Relay,
  startRelay,
} from '@im/events';
import type { Logger } from '@im/log';
import { Counters } from '@im/store';
import type { Db } from 'mongodb';
import { GroupChanges } from './changes/changes.js';
import { GroupEventFlow, prepareIntent } from './changes/flow.js';
import { type GroupConfig, readConfig } from './config.js';
import type { GroupDeps } from './deps.js';
import { addMembersEndpoint } from './handlers/add-members.js';
import { conversationGroupEndpoint } from './handlers/conversation-group.js';
import { createGroupEndpoint } from './handlers/create-group.js';
import { deleteGroupEndpoint } from './handlers/delete-group.js';
import { getGroupEndpoint } from './handlers/get-group.js';
import { orgContactsEndpoint } from './handlers/org-contacts.js';
import { orgGroupsEndpoint } from './handlers/org-groups.js';
import { removeMembersEndpoint } from './handlers/remove-members.js';
import { updateGroupEndpoint } from './handlers/update-group.js';
import { userGroupsEndpoint } from './handlers/user-groups.js';
import { type Housekeeping, type HousekeepingSettings, startHousekeeping } from './housekeeping.js';
import { memberListBudget } from './member-budget.js';
import { migrateLookups, migrateMemberships } from './migrate.js';
import { type ContactUser, consumeDirectoryUsers, DirectoryUsers } from './projections/directory-users.js';
import { EventOutcomes } from './repositories/event-outcomes.js';
import { GroupConversations } from './repositories/group-conversations.js';
import { GroupLists, type OrgGroupEntry } from './repositories/group-lists.js';
import { GroupMembers } from './repositories/group-members.js';
import { GroupTombstones } from './repositories/group-tombstones.js';
import { GROUP_ID_BLOCK, Groups } from './repositories/groups.js';
import { IdempotencyKeys } from './repositories/idempotency-keys.js';
import type { SortedHead } from './repositories/sorted-lists/model.js';

/**
 * The organizations' list heads each copy keeps between writes (change notices, README "Events"):
 * a school's groups page and its contacts are then read with no look-up while nothing changes. A
 * lost notice (core NATS) shows a change that much later, at most.
 */
const KEPT_HEADS = { maxEntries: 1_000, maxAgeMs: NOTICE_MAX_AGE_MS };

export { DEFAULT_DB, type GroupConfig, GroupConfigSchema, readConfig } from './config.js';
export { DIRECTORY_USERS_DURABLE } from './projections/directory-users.js';

/** The outbox collection: named for this service, so services sharing a database never relay each other's. */
export const GROUP_OUTBOX = 'group_outbox';

export type GroupSettings = Pick<
  GroupConfig,
  | 'maxMembers'
  | 'jetstreamReplicas'
  | 'relayIntervalMs'
  | 'relayBusyIntervalMs'
  | 'relayMinAgeMs'
  | 'relayMaxAttempts'
  | 'faultCrashBeforePublish'
  | 'maxInFlight'
> &
  HousekeepingSettings;

/** The settings a service started without configuration gets: the config schema's defaults, read once. */
export const DEFAULT_GROUP_SETTINGS: GroupSettings = readConfig({});

export interface GroupServiceOptions {
  nc: NatsConnection;
  /** This service's own database. */
  db: Db;
  log: Logger;
  /** Missing settings take DEFAULT_GROUP_SETTINGS. */
  config?: Partial<GroupSettings>;
}

export interface RunningGroupService {
  outbox: Outbox;
  relay: Relay;
  housekeeping: Housekeeping;
  /** Stops taking requests and events; the connection and the database stay the caller's. */
  stop(): Promise<void>;
}

/**
 * The group service on open connections; `main.ts` and the in-process tests start it alike.
 * First the member limit against the server's `max_payload` (a GROUP_MAX_MEMBERS whose full
 * member list cannot travel refuses to start); then streams and indexes (start-up order of
 * processes must not matter) and the conversation claims of groups older than them, then the
 * relay (for events a crash left behind, woken by the flow for its own), the directory projection,
 * and last the request endpoints.
 */
export async function startGroupService(options: GroupServiceOptions): Promise<RunningGroupService> {
  const { nc, db, log } = options;
  const settings: GroupSettings = { ...DEFAULT_GROUP_SETTINGS, ...options.config };
  const memberListBytes = memberListBudget(settings.maxMembers, nc.info?.max_payload);
  const handles = await openJetStream(nc);
  // Only the streams it publishes into: DIRECTORY is the directory's, the projection waits for it.
  for (const stream of [Streams.groupEvents, Streams.deadLetters]) {
    await ensureStream(handles.jsm, stream, { replicas: settings.jetstreamReplicas });
  }

  const groups = new Groups(db, new Counters(db, { blockSize: GROUP_ID_BLOCK }));
  const members = new GroupMembers(db);
  const orgHeads = await NoticedCache.open<SortedHead<OrgGroupEntry, number>>(nc, {
    subject: NoticeSubjects.orgGroupLists,
    ...KEPT_HEADS,
    log,
  });
  const userHeads = await NoticedCache.open<SortedHead<ContactUser, number>>(nc, {
    subject: NoticeSubjects.orgUserLists,
    ...KEPT_HEADS,
    log,
  });
  const lists = new GroupLists(db, orgHeads);
  const tombstones = new GroupTombstones(db);
  const keys = new IdempotencyKeys(db);
  const outcomes = new EventOutcomes(db);
  const users = new DirectoryUsers(db, userHeads);
  const conversations = new GroupConversations(db);
  const changes = new GroupChanges({ groups, members, lists, tombstones, keys, outcomes, conversations });
  const outbox = new Outbox(db, { collection: GROUP_OUTBOX, prepare: prepareIntent(changes, log) });
  // Every other collection is read by `_id` only: no index to create.
  await outbox.ensureIndexes();
  await migrateLookups(db, { members, lists, conversations, users, outbox, outcomes, keys }, log);
  await migrateMemberships(db, { groups, members, lists }, log);

  const publisher = new EventPublisher(handles.js);
  const relay = startRelay({
    sources: [outbox],
    publisher,
    log,
    intervalMs: settings.relayIntervalMs,
    busyIntervalMs: settings.relayBusyIntervalMs,
    minAgeMs: settings.relayMinAgeMs,
    maxAttempts: settings.relayMaxAttempts,
  });
  const flow = new GroupEventFlow({
    outbox,
    changes,
    publisher,
    relay,
    log,
    crashBeforePublish: settings.faultCrashBeforePublish,
  });
  const deps: GroupDeps = {
    groups,
    members,
    lists,
    conversations,
    tombstones,
    keys,
    users,
    flow,
    maxMembers: settings.maxMembers,
    memberListBytes,
  };

  const projection = await consumeDirectoryUsers(handles, log, users);
  const housekeeping = startHousekeeping({ outcomes, keys, log }, settings);
  const service = await startService(nc, {
    name: ServiceNames.group,
    version: '0.1.0',
    description: "Groups, members, an organization's groups and contacts",
    maxInFlight: settings.maxInFlight,
    log,
    endpoints: [
      createGroupEndpoint(deps),
      updateGroupEndpoint(deps),
      deleteGroupEndpoint(deps),
      getGroupEndpoint(deps),
      addMembersEndpoint(deps),
      removeMembersEndpoint(deps),
      orgGroupsEndpoint(deps),
      orgContactsEndpoint(deps),
      userGroupsEndpoint(deps),
      conversationGroupEndpoint(deps),
    ],
  });
  return {
    outbox,
    relay,
    housekeeping,
    async stop() {
      await service.stop();
      await projection.stop();
      await relay.stop();
      await housekeeping.stop();
      orgHeads.close();
      userHeads.close();
    },
  };
}
