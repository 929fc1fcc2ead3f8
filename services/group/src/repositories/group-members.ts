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

  async remove(groupId: number, clientIds: readonly string[]): Promise<void> {
    await this.lists.change(String(groupId), { remove: clientIds });
  }

  /** Which of `clientIds` are members. */
  async present(groupId: number, clientIds: readonly string[]): Promise<Set<string>> {
    return new Set((await this.lists.pick(String(groupId), clientIds)).keys());
  }

  count(groupId: number): Promise<number> {
    return this.lists.count(String(groupId));
  }

  /** Every member, ascending. */
  list(groupId: number): Promise<string[]> {
    return this.lists.all(String(groupId));
  }
}
