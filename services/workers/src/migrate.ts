import type { Logger } from '@im/log';
import { isDuplicateKeyError, runOnce } from '@im/store';
import type { Db } from 'mongodb';
import { type ReadMarksDoc, totalId } from './repositories/read-marks.js';

/** Where the workers mark their one-time conversions done. */
const MARKS = 'workers_migrations';
/** The mark of the move of the students' read totals from `read_totals` into `read_marks`. */
export const READ_TOTALS_MIGRATION = 'read-totals-in-read-marks';
const OLD = 'read_totals';

/**
 * One-time conversion, at start, of the versions before the totals moved beside the marks: each
 * student's `read_totals` document (`{_id: client id, read}`) is added into its total in
 * `read_marks` (totalId), which marks done ones `moved`, so a rerun after a crash, or a second
 * copy starting at once, adds nothing twice; then the old collection is dropped. A first mark made
 * meanwhile by this version is counted in the new total and kept. Copies of an older version must
 * be stopped first: what they count in `read_totals` during the move would be lost.
 */
export function migrateReadTotals(db: Db, log: Logger): Promise<boolean> {
  return runOnce(db, MARKS, READ_TOTALS_MIGRATION, async (existing) => {
    if (!existing.has(OLD)) return;
    const marks = db.collection<ReadMarksDoc & { moved?: boolean }>('read_marks');
    let students = 0;
    for await (const doc of db.collection<{ _id: string; read?: number }>(OLD).find({})) {
      try {
        await marks.updateOne(
          { _id: totalId(doc._id), moved: { $exists: false } },
          { $inc: { read: doc.read ?? 0 }, $set: { moved: true } },
          { upsert: true },
        );
      } catch (error) {
        // Moved already: the filter missed the total, and the upsert's insert met its `_id`.
        if (!isDuplicateKeyError(error)) throw error;
      }
      students++;
    }
    await db.dropCollection(OLD).catch(() => undefined);
    log.info({ students }, "moved the students' read totals into read_marks");
  });
}
