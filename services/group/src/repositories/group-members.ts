import { queryLimit } from '@im/store';
import type { Db } from 'mongodb';
import { SortedLists } from './sorted-lists.js';

/** A chunk of a member list: a full group (2,000 by default) is the head and a few chunks. */
const MEMBER_CHUNK = 250;

/**
 * Each group's members, ascending, as one sorted list per group (`group_member_lists`, key
 * `String(group_id)`, SortedLists): presence, the count and the whole list are look-ups by `_id`.
 * The changes of one group are serialized by GroupChanges, and a list's writes by SortedLists, so
 * concurrent adds cannot lose each other.
 */
export class GroupMembers {
  readonly lists: SortedLists<string, string>;

  constructor(db: Db) {
    this.lists = new SortedLists<string, string>(db, 'group_member_lists', {
      keyOf: (id) => id,
      chunkSize: MEMBER_CHUNK,
      ...queryLimit(db),
    });
  }

  /** Adds whoever is not a member yet (a member already in counts as done). */
  async insertMissing(groupId: number, clientIds: readonly string[]): Promise<void> {
    await this.lists.change(String(groupId), { upsert: clientIds });
  }

  /** A new group's members: one write, no read (a replay of the create falls back to insertMissing's). */
  async create(groupId: number, clientIds: readonly string[]): Promise<void> {
    await this.lists.create(String(groupId), clientIds);
  }

  async remove(groupId: number, clientIds: readonly string[]): Promise<void> {
    await this.lists.change(String(groupId), { remove: clientIds });
  }

  /** Which of `clientIds` are members. */
  async present(groupId: number, clientIds: readonly string[]): Promise<Set<string>> {
    return new Set((await this.lists.pick(String(groupId), clientIds)).keys());
  }

  /** Which of `clientIds` are members, and how many the group has: one read of the list's head. */
  async presentCounted(
    groupId: number,
    clientIds: readonly string[],
  ): Promise<{ present: Set<string>; count: number }> {
    const { found, total } = await this.lists.pickCounted(String(groupId), clientIds);
    return { present: new Set(found.keys()), count: total };
  }

  /** Every member, ascending. */
  list(groupId: number): Promise<string[]> {
    return this.lists.all(String(groupId));
  }
}
