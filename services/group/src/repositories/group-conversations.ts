import { isDuplicateKeyError } from '@im/store';
import type { Collection, Db } from 'mongodb';

/**
 * Which live group owns each conversation: one document per claimed conversation, `_id` = the
 * conversation id, so the `_id` index is the unique index that keeps one live group per
 * conversation. A claim is taken by insert, never by an update (docs/ferretdb.md, "Updates"),
 * and given back by delete when its group is deleted, so the conversation may be claimed again.
 */
interface ClaimDoc {
  _id: string;
  group_id: number;
  claimed_at: Date;
}

/**
 * `group_conversation_last`: per conversation no live group holds any more, the group that held
 * it last (written by the delete that releases it, before the release): the look-up's answer
 * when there is no claim, by `_id` instead of a scan of `groups`.
 */
interface LastDoc {
  _id: string;
  group_id: number;
  released_at: Date;
}

/**
 * The document that says the claims of groups created before claims existed were written. Its
 * `_id` holds a `:`, which no conversation id may (they are ids without `:`).
 */
const BACKFILL_MARK = ':backfilled';

/** insertMany batches for the backfill. */
const BATCH = 1_000;

export class GroupConversations {
  readonly #docs: Collection<ClaimDoc>;
  readonly #last: Collection<LastDoc>;

  constructor(db: Db) {
    this.#docs = db.collection<ClaimDoc>('group_conversations');
    this.#last = db.collection<LastDoc>('group_conversation_last');
  }

  /** The group that held the conversation last, once released (see LastDoc). */
  async lastHolderOf(conversionId: string): Promise<number | undefined> {
    return (await this.#last.findOne({ _id: conversionId }, { projection: { group_id: 1 } }))?.group_id;
  }

  /**
   * Records `groupId` as the conversation's last holder unless a newer group is recorded: a
   * compare-and-set, whose upsert meets the `_id` when the record there is as new or newer.
   */
  async recordLast(conversionId: string, groupId: number): Promise<void> {
    const known = await this.lastHolderOf(conversionId);
    if (known !== undefined && known >= groupId) return;
    try {
      await this.#last.replaceOne(
        { _id: conversionId, group_id: { $lt: groupId } },
        { group_id: groupId, released_at: new Date() },
        { upsert: true },
      );
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }

  /**
   * Claims `conversionId` for `groupId`; returns the group that holds it now: `groupId` when the
   * claim went in (or was already this group's: a replayed create), another id when that group
   * owns the conversation.
   */
  async claim(conversionId: string, groupId: number): Promise<number> {
    for (let round = 1; ; round++) {
      try {
        await this.#docs.insertOne({ _id: conversionId, group_id: groupId, claimed_at: new Date() });
        return groupId;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        const holder = await this.holderOf(conversionId);
        if (holder !== undefined) return holder;
        // Released between our insert and this read: the conversation is free, try again.
        if (round >= 5) throw error;
      }
    }
  }

  /** The group holding the conversation, if any. */
  async holderOf(conversionId: string): Promise<number | undefined> {
    return (await this.#docs.findOne({ _id: conversionId }, { projection: { group_id: 1 } }))?.group_id;
  }

  /** Gives the conversation back, only if `groupId` still holds it. */
  async release(conversionId: string, groupId: number): Promise<void> {
    await this.recordLast(conversionId, groupId);
    await this.#docs.deleteOne({ _id: conversionId, group_id: groupId });
  }

  /** Whether the claims of groups older than this collection were written (see backfill). */
  async backfilled(): Promise<boolean> {
    return (await this.#docs.findOne({ _id: BACKFILL_MARK }, { projection: { _id: 1 } })) !== null;
  }

  /**
   * Writes claims for live groups created before claims existed, given oldest first: where two
   * of them share a conversation (possible before), the oldest keeps it. Claims already there
   * are left as they are. Then writes the mark, so later starts skip the scan.
   */
  async backfill(groups: AsyncIterable<{ id: number; conversion_id: string }>): Promise<number> {
    let written = 0;
    let batch: ClaimDoc[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      try {
        written += (await this.#docs.insertMany(batch, { ordered: false })).insertedCount;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        written += (error as { insertedCount?: number }).insertedCount ?? 0;
      }
      batch = [];
    };
    const now = new Date();
    const seen = new Set<string>();
    for await (const group of groups) {
      if (group.conversion_id === '' || seen.has(group.conversion_id)) continue;
      seen.add(group.conversion_id);
      batch.push({ _id: group.conversion_id, group_id: group.id, claimed_at: now });
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    try {
      await this.#docs.insertOne({ _id: BACKFILL_MARK, group_id: 0, claimed_at: now });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error; // another copy finished first
    }
    return written;
  }
}
