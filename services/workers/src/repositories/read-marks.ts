import { findByIds, isDuplicateKeyError } from '@im/store';
import type { Collection, Db } from 'mongodb';

/**
 * Which notification a mark is about: its push, and its seq in the student's inbox (absent for
 * entries listed before inboxes numbered them).
 */
export interface MarkRef {
  push_id: number;
  seq?: number;
}

/**
 * A document of `read_marks`: a block of one student's marks (`_id` markBlockId; `at`: the first
 * mark of each push, by push id), whose seqs (or, without one, push ids) share a block, or a
 * student's total (`_id` totalId; `read`: how many of its notifications it has marked read,
 * first marks only), which a page reads with the page's blocks.
 */
export interface ReadMarksDoc {
  _id: string;
  at?: Record<string, Date>;
  read?: number;
}

/** A page's marks and the student's total, read together. */
export interface ReadState {
  readAt: Map<number, Date>;
  read: number;
}

export interface ReadMark {
  readAt: Date;
  /** This call made the mark; false: it was there already and stays as it was. */
  first: boolean;
}

/**
 * Marks per block. A page of a student's notifications (at most 100 inbox positions) holds seqs
 * within 150 of each other (an inbox bucket of 25 either side: KeyedList.since), so its marks are
 * in at most two blocks; a block stays a few kilobytes however many notifications there are.
 */
export const MARKS_PER_BLOCK = 256;

/**
 * The block of a mark. Client ids are encodeURIComponent'd (no `#` is left), so a student's
 * blocks never meet another's; `p` sets apart the blocks of entries without a seq, keyed by push.
 */
export function markBlockId(studentUid: string, ref: MarkRef): string {
  const student = encodeURIComponent(studentUid);
  if (ref.seq === undefined) return `${student}#p${Math.floor(ref.push_id / MARKS_PER_BLOCK)}`;
  return `${student}#${Math.floor(ref.seq / MARKS_PER_BLOCK)}`;
}

/** The `_id` of a student's total: `#t` is neither a seq block (`#<n>`) nor a push block (`#p<n>`). */
export const totalId = (studentUid: string): string => `${encodeURIComponent(studentUid)}#t`;

/**
 * Read marks and each student's total of them, both in `read_marks` (blocks and totals by `_id`):
 * every read and write a look-up by `_id` (docs/ferretdb.md, "Lookups"), and a page's marks and
 * total one statement. The caller serializes the marks of one student in this process
 * (StudentNotifications.markRead); across copies of the workers, `mark`'s compare-and-set decides.
 * The per-push count is PushProgress's.
 */
export class ReadMarks {
  readonly blocks: Collection<ReadMarksDoc>;
  readonly #read: { maxTimeMS: number };

  constructor(db: Db, read: { maxTimeMS: number }) {
    this.blocks = db.collection<ReadMarksDoc>('read_marks');
    this.#read = read;
  }

  /** When each of `refs` was first marked read, by push id (absent: not read), and the total. */
  async state(studentUid: string, refs: readonly MarkRef[]): Promise<ReadState> {
    const total = totalId(studentUid);
    const { readAt, docs } = await this.#marks(studentUid, refs, [total]);
    return { readAt, read: docs.get(total)?.read ?? 0 };
  }

  /** When each of `refs` was first marked read, by push id; absent: not read. */
  async readAt(studentUid: string, refs: readonly MarkRef[]): Promise<Map<number, Date>> {
    return (await this.#marks(studentUid, refs, [])).readAt;
  }

  /** How many notifications the student has marked read. */
  async total(studentUid: string): Promise<number> {
    return (await this.state(studentUid, [])).read;
  }

  /** The refs' blocks and the `also` documents, in one statement. */
  async #marks(studentUid: string, refs: readonly MarkRef[], also: readonly string[]) {
    const byBlock = new Map<string, number[]>();
    for (const ref of refs) {
      const id = markBlockId(studentUid, ref);
      byBlock.set(id, [...(byBlock.get(id) ?? []), ref.push_id]);
    }
    const docs = await findByIds(this.blocks, [...also, ...byBlock.keys()], this.#read);
    const readAt = new Map<number, Date>();
    for (const [id, pushIds] of byBlock) {
      for (const pushId of pushIds) {
        const when = docs.get(id)?.at?.[String(pushId)];
        if (when instanceof Date) readAt.set(pushId, when);
      }
    }
    return { readAt, docs };
  }

  /**
   * Marks one notification read at `now` unless it is already: the first mark stays. The write is
   * a compare-and-set (the push's field must be absent), so of two copies marking at once only
   * one makes the mark (docs/ferretdb.md, "Updates").
   */
  async mark(studentUid: string, ref: MarkRef, now: Date): Promise<ReadMark> {
    const _id = markBlockId(studentUid, ref);
    const field = `at.${ref.push_id}`;
    try {
      const filter = { _id, [field]: { $exists: false } };
      const result = await this.blocks.updateOne(filter, { $set: { [field]: now } }, { upsert: true });
      if (result.modifiedCount + result.upsertedCount > 0) return { readAt: now, first: true };
    } catch (error) {
      // The block is there with the mark, so the upsert's insert met its `_id`.
      if (!isDuplicateKeyError(error)) throw error;
    }
    const stored = await this.#stored(_id, ref.push_id);
    if (!stored) throw new Error(`read mark ${_id} / ${ref.push_id}: neither written nor found`);
    return { readAt: stored, first: false };
  }

  /** One more first mark in the student's total. */
  async countRead(studentUid: string): Promise<void> {
    await this.blocks.updateOne({ _id: totalId(studentUid) }, { $inc: { read: 1 } }, { upsert: true });
  }

  async #stored(_id: string, pushId: number): Promise<Date | undefined> {
    const when = (await this.blocks.findOne({ _id }, this.#read))?.at?.[String(pushId)];
    return when instanceof Date ? when : undefined;
  }
}
