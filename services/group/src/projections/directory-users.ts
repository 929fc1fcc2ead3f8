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
import { applyIfNewer, type KeptValues, queryLimit } from '@im/store';
import type { Collection, Db } from 'mongodb';
import { LIST_CHUNK } from '../repositories/group-lists.js';
import type { SortedHead } from '../repositories/sorted-lists/model.js';
import { SortedLists, type SortedPage } from '../repositories/sorted-lists.js';

export const DIRECTORY_USERS_DURABLE = 'group-directory-users';

export interface DirectoryUserDoc {
  /** `<organization_id>:<uid>`: the projection's key, a string `_id` (docs/ferretdb.md, "Lookups"). */
  _id: string;
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

/** A current user as contacts show it. */
export interface ContactUser {
  uid: number;
  name: string;
  avatar: string;
}

export const directoryUserId = (organizationId: number, uid: number): string => `${organizationId}:${uid}`;

/** What a user's entry in its organization's list is made of (and the event it came from). */
const LISTED = { _id: 0, organization_id: 1, uid: 1, name: 1, avatar: 1, deleted: 1, event_id: 1 } as const;

/**
 * The group service's read model of an organization's users (contacts), fed only by events:
 * `group_directory_users`, one document per user under `_id: "<organization_id>:<uid>"` (the
 * last-writer-wins state), and `group_directory_lists`, per organization its current users by uid
 * (SortedLists, key `String(organization_id)`), which contacts page through.
 */
export class DirectoryUsers {
  readonly #docs: Collection<DirectoryUserDoc>;
  readonly lists: SortedLists<ContactUser, number>;

  /** `listHeads`: the organizations' user list heads kept between writes (SortedLists `heads`). */
  constructor(db: Db, listHeads?: KeptValues<SortedHead<ContactUser, number>>) {
    // Prefixed: services may share a database (the test stack does), and the name says whose it is.
    this.#docs = db.collection<DirectoryUserDoc>('group_directory_users');
    this.lists = new SortedLists<ContactUser, number>(db, 'group_directory_lists', {
      keyOf: (u) => u.uid,
      chunkSize: LIST_CHUNK,
      ...(listHeads ? { heads: listHeads } : {}),
      ...queryLimit(db),
    });
  }

  get collection(): Collection<DirectoryUserDoc> {
    return this.#docs;
  }

  /** The organization's current users, by uid, `limit` after `skip`. */
  page(organizationId: number, skip: number, limit: number): Promise<SortedPage<ContactUser>> {
    return this.lists.page(String(organizationId), skip, limit);
  }

  /** Puts the user's current state into its organization's list. */
  async list(doc: Pick<DirectoryUserDoc, 'organization_id' | 'uid' | 'name' | 'avatar' | 'deleted'>) {
    const key = String(doc.organization_id);
    if (doc.deleted) await this.lists.change(key, { remove: [doc.uid] });
    else await this.lists.change(key, { upsert: [{ uid: doc.uid, name: doc.name, avatar: doc.avatar }] });
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
    const state: Omit<DirectoryUserDoc, '_id'> = {
      organization_id: event.organization_id,
      uid: event.uid,
      name: user?.name.trim() ?? '',
      avatar: user?.avatar ?? '',
      role: user?.role ?? null,
      deleted: user === undefined,
      occurred_at: occurredAt,
      event_id: event.event_id,
      updated_at: new Date(),
    };
    const _id = directoryUserId(event.organization_id, event.uid);
    const outcome = await applyIfNewer(this.#docs, { _id }, state);
    // Also for a redelivery of the event applied last (same time): a crash may have come between.
    if (outcome === 'applied') await this.#listCurrent(_id, state);
    return outcome;
  }

  /**
   * Lists the user as its document is now, until the document is still what was listed: a copy
   * of the consumer applying a newer event of the same user meanwhile lists after its own write,
   * so whichever lists last lists the newest state.
   */
  async #listCurrent(_id: string, applied: Omit<DirectoryUserDoc, '_id'>): Promise<void> {
    let listed: Pick<
      DirectoryUserDoc,
      'organization_id' | 'uid' | 'name' | 'avatar' | 'deleted' | 'event_id'
    > = applied;
    for (let round = 1; round <= 5; round++) {
      await this.list(listed);
      const now = await this.#docs.findOne({ _id }, { projection: LISTED });
      if (!now || now.event_id === listed.event_id) return;
      listed = now;
    }
  }
}

function isUpserted(event: DirectoryUserEvent): event is DirectoryUserUpserted {
  return event.name !== undefined && event.avatar !== undefined && event.role !== undefined;
}

/**
 * Events one copy applies at once. A directory sync (a school's 20,000 users at its start) comes
 * as a burst of upserts to one organization's list; applied one at a time, each was its own read
 * and rewrite of that list's head (about 40 users a second, measured). Applied together, their
 * list upserts share one write (SortedLists' group commit), and each user's own document is one
 * compare-and-set either way. Order within a user needs no one-at-a-time: applyIfNewer keeps the
 * newest event, and #listCurrent lists the document as it is after the write, as for two copies.
 */
export const DIRECTORY_USERS_CONCURRENCY = 32;

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
    concurrency: DIRECTORY_USERS_CONCURRENCY,
    maxAckPending: 4 * DIRECTORY_USERS_CONCURRENCY,
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
