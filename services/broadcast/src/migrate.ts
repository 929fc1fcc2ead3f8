import type { Logger } from '@im/log';
import { KeyedList, type ListHead, loadList, runOnce } from '@im/store';
import type { Db } from 'mongodb';
import type { PushSummary } from './repositories/push-history.js';

/** Where the broadcast service marks its one-time conversions done. */
const MARKS = 'broadcast_migrations';
/** The mark of the conversion of class lists from buckets of 100 (`class_pushes`) to 20. */
export const CLASS_PUSH_LISTS_MIGRATION = 'class-push-lists-20';
/** The older layout: a KeyedList in buckets of 100 (its default then). */
const OLD = { collection: 'class_pushes', bucketSize: 100 };

/**
 * One-time conversion, at start, of the versions before `class_push_lists`: every class's list
 * of pushes is read from `class_pushes` and loaded, whole, into the new list (loadList: the same
 * documents whoever writes them, so a rerun after a crash or two copies starting together end
 * with the same lists), then the old collection is dropped. Copies of an older version must be
 * stopped first: what they list in the old collection meanwhile would not be carried over.
 */
export function migrateClassPushLists(db: Db, lists: KeyedList<PushSummary>, log: Logger): Promise<boolean> {
  return runOnce(db, MARKS, CLASS_PUSH_LISTS_MIGRATION, async (existing) => {
    if (!existing.has(OLD.collection)) return;
    const old = new KeyedList<PushSummary>(db, OLD.collection, { idField: 'id', bucketSize: OLD.bucketSize });
    const heads = old.docs.find({ n: { $exists: true } }, { projection: { _id: 1 } });
    let classes = 0;
    for await (const head of heads as AsyncIterable<Pick<ListHead<PushSummary>, '_id'>>) {
      const key = decodeURIComponent(head._id);
      const entries: PushSummary[] = [];
      const total = await old.count(key);
      while (entries.length < total) {
        const page = await old.oldestFirst(key, entries.length, OLD.bucketSize);
        if (page.items.length === 0) break;
        entries.push(...page.items);
      }
      await loadList(lists, key, entries, (p) => p.id);
      classes++;
    }
    await db.dropCollection(OLD.collection).catch(() => undefined);
    log.info({ classes }, 'converted the lists of class pushes to buckets of 20');
  });
}
