import type { Db } from 'mongodb';
import { isDuplicateKeyError } from './duplicate-key.js';

/**
 * Runs a one-time conversion of stored data unless its mark is in `marks` (a collection of the
 * service's own, `{_id: mark, at}`), then sets the mark: true when it ran. `work` gets the names
 * of the database's collections, and must tolerate being run twice (a crash before the mark, or
 * two copies starting together). Later starts read one document.
 */
export async function runOnce(
  db: Db,
  marks: string,
  mark: string,
  work: (existing: Set<string>) => Promise<void>,
): Promise<boolean> {
  const done = db.collection<{ _id: string; at: Date }>(marks);
  if (await done.findOne({ _id: mark })) return false;
  const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  await work(existing);
  try {
    await done.insertOne({ _id: mark, at: new Date() });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error; // another copy finished first
  }
  return true;
}
