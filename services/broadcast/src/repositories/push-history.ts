import { createHash } from 'node:crypto';
import { AppError, ClassEventSubjects, ErrorCode, MAX_PER_PAGE } from '@im/contracts';
import { failureUpdate, freshRelayFields, type RelayFailure, retryParkedUpdate } from '@im/events';
import { Counters, isDuplicateKeyError, KeyedList, queryLimit } from '@im/store';
import type { Collection, Db } from 'mongodb';
import { type PendingMarker, PushPending } from './push-pending.js';

/**
 * The class-message event of a push, written inside the push record by the same insert. The
 * relay's fields (libs/events, outbox-fields.ts) are absent on records older than them.
 */
export interface PushEvent {
  id: string;
  subject: string;
  sent: boolean;
  /** Real time of the insert (not the injectable push clock): the relay's age threshold. */
  created_at: Date;
  sent_at?: Date;
  /** When the relay may try next; failed attempts so far and the last one's error. */
  retry_at?: Date;
  attempts?: number;
  last_error?: string;
  /** Given up on after the last attempt: waits for an operator (docs/broadcast.md). */
  parked?: boolean;
  parked_at?: Date;
  /** Where the relay's republish horizon starts (publishableSince in @im/events). */
  publishable_since?: Date;
}

export interface PushRecord {
  /** String(id): every look-up of a record is by `_id` (docs/ferretdb.md, "Lookups"). */
  _id: string;
  /** push_history_record_id: from the `push_history` counter; the `_id` refuses one given twice. */
  id: number;
  class_id: number;
  organization_id: number;
  /** YYYY-MM-DD in PUSH_TIMEZONE; unique with class_id: the once-a-day rule. */
  day: string;
  pushed_at: Date;
  message: string;
  /**
   * The recipients as they were at the moment of the push: a `class_rosters` document, shared by
   * every push of the class while its roster stays the same. Records written before rosters were
   * kept apart carry `student_uids` inline instead.
   */
  roster_id?: string;
  student_uids?: string[];
  recipient_count: number;
  event: PushEvent;
}

/** A record with its recipients at hand (the push itself, the relay). */
export type RecordedPush = PushRecord & { student_uids: string[] };

export type NewPush = Omit<PushRecord, '_id' | 'id' | 'event' | 'roster_id' | 'student_uids'> & {
  student_uids: string[];
  eventId: string;
};

/** A class's roster at some moment; `_id` is `<class_id>:<sha-256 of the list>`, so the same list is stored once. */
interface RosterDoc {
  _id: string;
  class_id: number;
  student_uids: string[];
}

/** A push as a class's list shows it: what the pushes page answers, without recipients. */
export interface PushSummary {
  id: number;
  class_id: number;
  organization_id: number;
  day: string;
  pushed_at: Date;
  message: string;
  recipient_count: number;
  event_sent: boolean;
}

const WITHOUT_RECIPIENTS = { projection: { student_uids: 0 } } as const;

/**
 * Each class's list of pushes: `class_push_lists`, in buckets of 20. Every page reads the list's
 * head, which holds up to one bucket, and FerretDB reads a document in time that grows with its
 * size: with 100 per bucket (the older `class_pushes`), a page of 20 of a class with 190 pushes
 * was 436 a second at 50 callers, with 20 per bucket 901 (measured). A page of 100 (the most one
 * can ask for) reads the head and up to 6 buckets, in parallel.
 */
export const CLASS_PUSH_LISTS = 'class_push_lists';
export const CLASS_PUSH_BUCKET = 20;
/**
 * The sealed parts of pushes pages each copy keeps (KeyedList `cache`): a class's page read again
 * before its next push, or its next event marked sent, reads the list's head alone.
 */
const PUSHES_PAGE_CACHE = { pages: 1_000, chars: 2_000_000 };
const COUNTER = 'push_history';
/** A marker whose push record never came (the insert failed, or the process died before it). */
const ORPHAN_AGE_MS = 60_000;

/** One push per (class, day); the 409 of the API. */
export const alreadyPushed = (classId: number, day: string) =>
  new AppError(ErrorCode.ClassAlreadyPushed, `class_id: class ${classId} was already pushed on ${day}`);

const rosterId = (classId: number, uids: readonly string[]) =>
  `${classId}:${createHash('sha256').update(JSON.stringify(uids)).digest('hex')}`;

const summaryOf = (r: Omit<PushRecord, 'student_uids'>): PushSummary => ({
  id: r.id,
  class_id: r.class_id,
  organization_id: r.organization_id,
  day: r.day,
  pushed_at: r.pushed_at,
  message: r.message,
  recipient_count: r.recipient_count,
  event_sent: r.event.sent,
});

/**
 * The broadcast service's pushes, each read by `_id`:
 * - `push_history`: one record per push, written once with its pending event;
 * - `class_rosters`: the recipients of pushes, each distinct roster of a class once;
 * - `class_push_lists`: each class's pushes in order (KeyedList), what the pushes page reads;
 * - `push_pending`: markers of the events not sent yet, what the relay reads (PushPending).
 * A push writes the marker, the record, the list entry, in that order; the relay completes what a
 * crash left half done (an entry missing from the list is added before the event is marked sent).
 */
export class PushHistory {
  readonly docs: Collection<PushRecord>;
  readonly rosters: Collection<RosterDoc>;
  readonly byClass: KeyedList<PushSummary>;
  readonly pending: PushPending;
  readonly #counters: Counters;
  /** maxTimeMS of the reads that answer requests (queryLimit). */
  readonly #limit: { maxTimeMS: number };

  constructor(db: Db) {
    this.docs = db.collection<PushRecord>('push_history');
    this.rosters = db.collection<RosterDoc>('class_rosters');
    this.#limit = queryLimit(db);
    this.#counters = new Counters(db);
    this.byClass = new KeyedList<PushSummary>(db, CLASS_PUSH_LISTS, {
      idField: 'id',
      bucketSize: CLASS_PUSH_BUCKET,
      maxPage: MAX_PER_PAGE,
      cache: PUSHES_PAGE_CACHE,
      ...this.#limit,
    });
    this.pending = new PushPending(db);
  }

  async ensureIndexes(): Promise<void> {
    // The once-a-day rule, enforced by the insert (SQLite keeps unique indexes on FerretDB too).
    await this.docs.createIndex({ class_id: 1, day: 1 }, { unique: true });
  }

  /**
   * Records the push with a fresh id and lists it. Two unique keys can refuse the insert: `_id`
   * (an id handed out twice; retried with a new one) and (class_id, day) (the 409). MongoDB names
   * the index in the error's keyPattern; FerretDB 1.24 does not (docs/ferretdb.md, "Errors"), so a
   * look-up of the id decides: taken → it was the id, otherwise it was the day.
   */
  async record(push: NewPush): Promise<RecordedPush> {
    const { eventId, student_uids, ...fields } = push;
    const roster_id = await this.#storeRoster(push.class_id, student_uids);
    for (let round = 1; ; round++) {
      const id = await this.#counters.next(COUNTER);
      const marker: PendingMarker = {
        _id: eventId,
        push_id: id,
        class_id: push.class_id,
        created_at: new Date(),
      };
      await this.pending.add(marker);
      const record: PushRecord = {
        _id: String(id),
        id,
        ...fields,
        roster_id,
        event: { id: eventId, subject: ClassEventSubjects.message, ...freshRelayFields(marker.created_at) },
      };
      try {
        await this.docs.insertOne(record);
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        const pattern = keyPatternOf(error);
        const idTaken =
          pattern !== undefined
            ? pattern._id !== undefined
            : (await this.docs.findOne({ _id: String(id) }, { projection: { _id: 1 } })) !== null;
        if (idTaken && round < 20) continue;
        await this.pending.remove(eventId);
        if (idTaken) throw error;
        throw alreadyPushed(push.class_id, push.day);
      }
      await this.byClass.appendOne(String(push.class_id), summaryOf(record));
      return { ...record, student_uids };
    }
  }

  /** The event is out: the record and its list entry say so, and the marker goes. */
  async markSent(eventId: string): Promise<void> {
    const marker = await this.pending.find(eventId);
    if (!marker) return;
    const _id = String(marker.push_id);
    await this.docs.updateOne({ _id }, { $set: { 'event.sent': true, 'event.sent_at': new Date() } });
    const key = String(marker.class_id);
    const sent = (p: PushSummary) => ({ ...p, event_sent: true });
    if (!(await this.byClass.updateNewest(key, (p) => p.id === marker.push_id, sent))) {
      // Listed never (the process died between record and list) or too long ago to look for.
      const record = await this.findById(marker.push_id);
      if (record) await this.byClass.appendOne(key, summaryOf(record));
    }
    await this.pending.remove(eventId);
  }

  /**
   * Records whose event is due for the relay, next due first: pending, not parked, due by `now`,
   * inserted before `olderThan` (younger ones are still the request's to publish). Markers whose
   * record never came are dropped once old: their push was never answered 201.
   */
  async findPending(olderThan: Date, limit: number, now: Date = new Date()): Promise<RecordedPush[]> {
    const due: PushRecord[] = [];
    for (const marker of await this.pending.all()) {
      const record = await this.docs.findOne({ _id: String(marker.push_id) });
      if (!record || record.event.id !== marker._id) {
        if (now.getTime() - marker.created_at.getTime() > ORPHAN_AGE_MS)
          await this.pending.remove(marker._id);
        continue;
      }
      if (record.event.sent) {
        await this.markSent(marker._id); // sent, but the process died before the marker went
        continue;
      }
      const e = record.event;
      if (e.parked || (e.retry_at && e.retry_at > now) || e.created_at >= olderThan) continue;
      due.push(record);
    }
    const dueAt = (r: PushRecord) => (r.event.retry_at ?? r.event.created_at).getTime();
    const next = due.sort((a, b) => dueAt(a) - dueAt(b)).slice(0, limit);
    return Promise.all(next.map(async (r) => ({ ...r, student_uids: await this.rosterOf(r) })));
  }

  async recordFailure(eventId: string, failure: RelayFailure): Promise<void> {
    const record = await this.#pendingRecord(eventId);
    if (record && !record.event.sent)
      await this.docs.updateOne({ _id: record._id }, failureUpdate('event.', failure));
  }

  /** Pending events, parked ones included. */
  countPending(): Promise<number> {
    return this.pending.count();
  }

  async countParked(): Promise<number> {
    return (await this.#parked()).length;
  }

  /** Makes every parked event due again with a fresh count (the mongosh update of docs/broadcast.md). */
  async retryParked(): Promise<number> {
    const parked = await this.#parked();
    for (const record of parked) await this.docs.updateOne({ _id: record._id }, retryParkedUpdate('event.'));
    return parked.length;
  }

  /** A class's pushes, newest first (one per day, so this is time order), with their total. */
  listByClass(classId: number, skip: number, limit: number) {
    return this.byClass.newestFirst(String(classId), skip, limit);
  }

  /** One push, without its recipients. */
  findById(pushId: number): Promise<Omit<PushRecord, 'student_uids'> | null> {
    return this.docs.findOne({ _id: String(pushId) }, { ...this.#limit, ...WITHOUT_RECIPIENTS });
  }

  /** A page of a push's recipients, in the order of the roster. */
  async recipientsPage(pushId: number, skip: number, limit: number): Promise<string[]> {
    const record = await this.docs.findOne(
      { _id: String(pushId) },
      { ...this.#limit, projection: { _id: 0, roster_id: 1, student_uids: 1 } },
    );
    return record ? (await this.rosterOf(record)).slice(skip, skip + limit) : [];
  }

  /** A record's recipients: its roster document, or the list older records carry inline. */
  async rosterOf(record: Pick<PushRecord, 'roster_id' | 'student_uids'>): Promise<string[]> {
    if (record.student_uids) return record.student_uids;
    if (!record.roster_id) return [];
    const roster = await this.rosters.findOne({ _id: record.roster_id }, this.#limit);
    return roster?.student_uids ?? [];
  }

  /** Stores a roster unless the same list of the class is stored already; answers its id. */
  async #storeRoster(classId: number, uids: string[]): Promise<string> {
    const _id = rosterId(classId, uids);
    try {
      await this.rosters.insertOne({ _id, class_id: classId, student_uids: uids });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    return _id;
  }

  async #pendingRecord(eventId: string): Promise<PushRecord | null> {
    const marker = await this.pending.find(eventId);
    return marker ? this.docs.findOne({ _id: String(marker.push_id) }) : null;
  }

  async #parked(): Promise<PushRecord[]> {
    const records = await Promise.all(
      (await this.pending.all()).map((m) => this.docs.findOne({ _id: String(m.push_id) })),
    );
    return records.filter((r): r is PushRecord => r !== null && !r.event.sent && r.event.parked === true);
  }
}

/** MongoDB's `keyPattern` of a duplicate-key error; undefined when the server does not report it. */
function keyPatternOf(error: unknown): Record<string, unknown> | undefined {
  const pattern = (error as { keyPattern?: unknown }).keyPattern;
  return pattern !== null && typeof pattern === 'object' ? (pattern as Record<string, unknown>) : undefined;
}
