import {
  type DirectoryClassDeleted,
  DirectoryClassEvent,
  DirectoryClassSubjects,
  Streams,
} from '@im/contracts';
import {
  type JetStreamHandles,
  type NoticedCache,
  PermanentFailure,
  type RunningConsumer,
  runConsumer,
} from '@im/events';
import type { Logger } from '@im/log';
import { applyIfNewer } from '@im/store';
import type { Collection, Db } from 'mongodb';
import { isUnfixable } from './unfixable.js';

export const DIRECTORY_CLASSES_DURABLE = 'broadcast-directory-classes';

export interface DirectoryClass {
  /**
   * String(class_id): a class is found without scanning every class (each carrying up to 10,000
   * uids) on FerretDB too (docs/ferretdb.md, "Lookups").
   */
  _id: string;
  class_id: number;
  organization_id?: number;
  name?: string;
  active: boolean;
  /** Unique, in the order the directory listed them. */
  student_uids: string[];
  /** A deleted class is kept (soft), so an older upsert redelivered later cannot bring it back. */
  deleted: boolean;
  /** Of the event applied last: no older event overwrites it. */
  occurred_at: Date;
  event_id: string;
  updated_at: Date;
}

/** Whose class it is: what the reads of its pushes need (no organization: a deleted class). */
export type ClassOwner = Pick<DirectoryClass, 'organization_id'>;

export interface DirectoryClassesOptions {
  /** The owners read lately, kept until a notice of their class's change (NoticedCache). */
  owners?: NoticedCache<ClassOwner>;
  /** Told of each class an event changed, after the write (the change notices). */
  changed?: (classId: number) => void;
}

/** The broadcast service's read model of classes, fed only by directory events. */
export class DirectoryClasses {
  readonly docs: Collection<DirectoryClass>;
  readonly #owners: NoticedCache<ClassOwner> | undefined;
  readonly #changed: (classId: number) => void;

  constructor(db: Db, options: DirectoryClassesOptions = {}) {
    this.docs = db.collection<DirectoryClass>('directory_classes');
    this.#owners = options.owners;
    this.#changed = options.changed ?? (() => {});
  }

  /** `_id` is the unique key: nothing else to index. */
  async ensureIndexes(): Promise<void> {}

  find(classId: number): Promise<DirectoryClass | null> {
    return this.docs.findOne({ _id: keyOf(classId) });
  }

  /**
   * Whose class it is, without its roster (up to 10,000 uids): what the reads of its pushes need
   * to decide who may see them. Null for a class never announced.
   */
  async ownerOf(classId: number): Promise<ClassOwner | null> {
    const read = async () =>
      (await this.docs.findOne({ _id: keyOf(classId) }, { projection: { _id: 0, organization_id: 1 } })) ??
      undefined;
    const owner = this.#owners ? await this.#owners.get(keyOf(classId), read) : await read();
    return owner ?? null;
  }

  /** Applies an event unless a newer one (later `occurred_at`) is already in (see applyIfNewer). */
  async apply(subject: string, event: DirectoryClassEvent): Promise<'applied' | 'older'> {
    const occurredAt = new Date(event.occurred_at);
    const state: Omit<DirectoryClass, '_id'> =
      subject === DirectoryClassSubjects.deleted || !('active' in event)
        ? deletedState(event, occurredAt)
        : {
            class_id: event.class_id,
            organization_id: event.organization_id,
            name: event.name.trim(),
            active: event.active,
            student_uids: [...new Set(event.student_uids)],
            deleted: false,
            occurred_at: occurredAt,
            event_id: event.event_id,
            updated_at: new Date(),
          };
    const outcome = await applyIfNewer(this.docs, { _id: keyOf(event.class_id) }, state);
    if (outcome === 'applied') this.#changed(event.class_id);
    return outcome;
  }
}

function deletedState(
  event: Pick<DirectoryClassDeleted, 'event_id' | 'class_id'>,
  occurredAt: Date,
): Omit<DirectoryClass, '_id'> {
  return {
    class_id: event.class_id,
    active: false,
    student_uids: [],
    deleted: true,
    occurred_at: occurredAt,
    event_id: event.event_id,
    updated_at: new Date(),
  };
}

const keyOf = (classId: number) => String(classId);

/**
 * The durable consumer that keeps the projection: `directory.class.>` on the DIRECTORY stream,
 * one event at a time per copy (the default concurrency). Copies may apply events of one class at
 * once: applyIfNewer is one compare-and-set, so the newest wins. Events come from a system we do
 * not control: one that retrying cannot fix (a date that is no date, a document the store refuses)
 * is dead-lettered at once rather than retried; rosters are not refused here but at the push
 * (413), so the class itself stays known.
 */
export function consumeDirectoryClasses(
  handles: JetStreamHandles,
  log: Logger,
  classes: DirectoryClasses,
): Promise<RunningConsumer> {
  return runConsumer(handles, log, {
    stream: Streams.directory.name,
    durable: DIRECTORY_CLASSES_DURABLE,
    filterSubject: DirectoryClassSubjects.all,
    schema: DirectoryClassEvent,
    handle: async (event, meta) => {
      // The schema checks the shape of occurred_at; a month 13 passes it and orders nothing.
      if (Number.isNaN(Date.parse(event.occurred_at))) {
        throw new PermanentFailure('occurred_at: not a real instant');
      }
      const outcome = await classes.apply(meta.subject, event).catch((error: unknown) => {
        if (!isUnfixable(error)) throw error;
        throw new PermanentFailure(`the store refuses this class: ${(error as Error).message}`);
      });
      log.debug({ class_id: event.class_id, subject: meta.subject, outcome }, 'directory class event');
    },
  });
}
