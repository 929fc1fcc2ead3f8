import {
  DIRECTORY_USER_FILTER,
  DirectoryUserEvent,
  DirectoryUserSubjects,
  type DirectoryUserUpserted,
  Streams,
  type UserRole,
} from '@im/contracts';
import { type JetStreamHandles, type RunningConsumer, runConsumer } from '@im/events';
import type { Logger } from '@im/log';
import { applyIfNewer, queryLimit } from '@im/store';
import type { Collection, Db } from 'mongodb';

export const DIRECTORY_USERS_DURABLE = 'group-directory-users';

export interface DirectoryUserDoc {
  organization_id: number;
  uid: number;
  name: string;
  avatar: string;
  role: UserRole | null;
  /** A deleted user is kept (soft), so an older upsert delivered later cannot bring it back. */
  deleted: boolean;
  /** Of the event applied last: no older event overwrites it. */
  occurred_at: Date;
  event_id: string;
  updated_at: Date;
}

/** The group service's read model of an organization's users (contacts), fed only by events. */
export class DirectoryUsers {
  readonly #docs: Collection<DirectoryUserDoc>;
  /** maxTimeMS of the reads that answer requests (queryLimit). */
  readonly #limit: { maxTimeMS: number };

  constructor(db: Db) {
    // Prefixed: services may share a database (the test stack does), and the name says whose it is.
    this.#docs = db.collection<DirectoryUserDoc>('group_directory_users');
    this.#limit = queryLimit(db);
  }

  async ensureIndexes(): Promise<void> {
    await this.#docs.createIndex({ organization_id: 1, uid: 1 }, { unique: true });
  }

  /** The organization's current users, by uid. */
  listByOrganization(organizationId: number) {
    return this.#docs
      .find(
        { organization_id: organizationId, deleted: false },
        { ...this.#limit, projection: { _id: 0, uid: 1, name: 1, avatar: 1 } },
      )
      .sort({ uid: 1 })
      .toArray();
  }

  /** Applies an event unless a newer one is already in (see applyIfNewer). */
  async apply(subject: string, event: DirectoryUserEvent): Promise<'applied' | 'older'> {
    const occurredAt = new Date(event.occurred_at);
    let user: DirectoryUserUpserted | undefined;
    if (subject === DirectoryUserSubjects.upserted) {
      // Thrown, not skipped: after the retries it lands on the dead-letter subject for an operator.
      if (!isUpserted(event)) throw new Error('directory.user.upserted without name, avatar and role');
      user = event;
    }
    const state: Omit<DirectoryUserDoc, 'organization_id' | 'uid'> = {
      name: user?.name.trim() ?? '',
      avatar: user?.avatar ?? '',
      role: user?.role ?? null,
      deleted: user === undefined,
      occurred_at: occurredAt,
      event_id: event.event_id,
      updated_at: new Date(),
    };
    return applyIfNewer(this.#docs, { organization_id: event.organization_id, uid: event.uid }, state);
  }
}

function isUpserted(event: DirectoryUserEvent): event is DirectoryUserUpserted {
  return event.name !== undefined && event.avatar !== undefined && event.role !== undefined;
}

/** The durable consumer that keeps the projection: `directory.user.>` on the DIRECTORY stream. */
export function consumeDirectoryUsers(
  handles: JetStreamHandles,
  log: Logger,
  users: DirectoryUsers,
): Promise<RunningConsumer> {
  return runConsumer(handles, log, {
    stream: Streams.directory.name,
    durable: DIRECTORY_USERS_DURABLE,
    filterSubject: DIRECTORY_USER_FILTER,
    schema: DirectoryUserEvent,
    handle: async (event, meta) => {
      if (meta.subject !== DirectoryUserSubjects.upserted && meta.subject !== DirectoryUserSubjects.deleted) {
        log.debug({ subject: meta.subject }, 'directory user event of another kind; ignored');
        return;
      }
      const outcome = await users.apply(meta.subject, event);
      log.debug({ uid: event.uid, subject: meta.subject, outcome }, 'directory user event');
    },
  });
}
