import { type DeliveriesSinceReply, MAX_REPLAY_PAGE, type StudentDelivery } from '@im/contracts';
import { type KeptValues, KeyLock, type ListHead, PageCache } from '@im/store';
import { studentDeliveryOf } from '../student-delivery.js';
import { type Deliveries, deliveryId, type InboxEntry } from './deliveries.js';
import type { ReadMark } from './read-marks.js';

/** A page of a student's deliveries, newest first, as the API shows them. */
export interface StudentPage {
  total: number;
  unread: number;
  items: StudentDelivery[];
}

/**
 * The inbox pages each copy keeps, whole (entries, read marks, counts), at the version of the
 * student's inbox head they were built at: a page asked again before the student's next delivery
 * or first mark of a notification is one look-up, the head. 8 million characters of JSON are
 * about 14 MB of heap (measured), some 1,900 pages of 20 with messages of 50 characters.
 */
const PAGE_CACHE = { pages: 5_000, chars: 8_000_000 };

/**
 * What one student sees of its deliveries: pages of its inbox with their read marks, the replay
 * after a seq, and marking one read. Every read and write a look-up by `_id`.
 */
export class StudentNotifications {
  readonly #deliveries: Deliveries;
  /**
   * One mark at a time per student in this process (a repeat then stops at the block); copies of
   * the workers rest on the mark's compare-and-set (ReadMarks.mark).
   */
  readonly #marking = new KeyLock();
  /**
   * Whole pages by student and window, at the head's `w` (each kept as the one item of its
   * window): every delivery writes the head, and a first mark raises its `w` (markRead), in
   * whichever copy, so no copy answers an outdated page.
   */
  readonly #pages = new PageCache<StudentPage>(PAGE_CACHE.pages, { budget: { max: PAGE_CACHE.chars } });

  /**
   * Each inbox head's `w` as last read, until a write of that head is heard (KeptValues: change
   * notices; the inbox's `headChanged` tells it): a kept page at that `w` then needs no look-up.
   */
  readonly #versions: KeptValues<number> | undefined;

  constructor(deliveries: Deliveries, versions?: KeptValues<number>) {
    this.#deliveries = deliveries;
    this.#versions = versions;
  }

  /**
   * A page of a student's deliveries, newest first, with how many there are and how many of those
   * are unread: the inbox page (head and buckets), then the page's mark blocks (at most two for
   * the entries with a seq) with the student's read total, in one statement.
   */
  async page(studentUid: string, skip: number, limit: number): Promise<StudentPage> {
    const { inbox, reads } = this.#deliveries;
    let stored: ListHead<InboxEntry> | null | undefined;
    const readHead = async () => {
      stored = await inbox.head(studentUid);
      return stored?.w;
    };
    const seen = this.#versions ? await this.#versions.get(studentUid, readHead) : await readHead();
    const kept = seen === undefined ? undefined : this.#pages.get(studentUid, skip, limit, seen)?.[0];
    if (kept) return kept;
    // A kept `w` with no page at it: the page is built from the head as stored now.
    const head = stored === undefined ? await inbox.head(studentUid) : stored;
    const version = head?.w;
    const page = await inbox.newestFirstOf(studentUid, head, skip, limit);
    const { readAt, read } = await reads.state(studentUid, page.items);
    const built = {
      total: page.total,
      // A push listed twice (a replay long after its first fan-out) counts twice in n, read once.
      unread: Math.max(0, page.total - read),
      items: page.items.map((e) => studentDeliveryOf(e, readAt.get(e.push_id))),
    };
    if (version !== undefined) this.#pages.set(studentUid, skip, limit, version, [built]);
    return built;
  }

  /**
   * The deliveries a student got after seq `after`, by seq, MAX_REPLAY_PAGE at most; without
   * `after` none, only where its inbox stands. Entries listed before inboxes numbered them hold no
   * seq: a page of only those is passed over, so that `more` always comes with an item to go on from.
   */
  async since(studentUid: string, after: number | undefined): Promise<DeliveriesSinceReply> {
    const { inbox, reads } = this.#deliveries;
    if (after === undefined) return { last_seq: await inbox.count(studentUid), items: [], more: false };
    let from = after;
    let page = await inbox.since(studentUid, from, MAX_REPLAY_PAGE);
    while (page.items.length === 0 && page.more) {
      from += MAX_REPLAY_PAGE;
      page = await inbox.since(studentUid, from, MAX_REPLAY_PAGE);
    }
    const readAt = await reads.readAt(studentUid, page.items);
    return {
      last_seq: page.last,
      items: page.items.flatMap((e) =>
        e.seq === undefined ? [] : [{ seq: e.seq, delivery: studentDeliveryOf(e, readAt.get(e.push_id)) }],
      ),
      more: page.more,
    };
  }

  /**
   * Marks a student's delivery of a push read (the first mark stays); null when the student has
   * no delivery of it. A first mark: the delivery, the mark block (a compare-and-set), the
   * student's total and the push's count, each by `_id`; a repeat stops at the block.
   */
  markRead(studentUid: string, pushId: number, now = new Date()): Promise<ReadMark | null> {
    const { docs, reads, progress, limit } = this.#deliveries;
    return this.#marking.run(studentUid, async () => {
      const delivery = await docs.findOne(
        { _id: deliveryId(pushId, studentUid) },
        { ...limit, projection: { _id: 0, seq: 1 } },
      );
      if (!delivery) return null;
      const ref = delivery.seq === undefined ? { push_id: pushId } : { push_id: pushId, seq: delivery.seq };
      const mark = await reads.mark(studentUid, ref, now);
      // A crash right here leaves the mark without its counts, and a repeat does not count it:
      // the counts can fall one short, never count a mark twice.
      if (mark.first) {
        await Promise.all([reads.countRead(studentUid), progress.countRead(pushId)]);
        // Last, so a page built from the head before it but the marks after is never kept at the
        // new version. A crash before it leaves kept pages to the cache's age limit (60 s).
        await this.#deliveries.inbox.touch(studentUid);
      }
      return mark;
    });
  }
}
