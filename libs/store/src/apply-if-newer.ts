import type { Collection, Document, Filter, MatchKeysAndValues } from 'mongodb';
import { isDuplicateKeyError } from './duplicate-key.js';

/**
 * Last-writer-wins by event time, for projections fed by events that may arrive twice or out of
 * order. The filter matches the document only while it holds an older (or the same) event; when it
 * matches none, the upsert tries to insert and the unique key refuses: that refusal means "a newer
 * event is in". It can also mean a concurrent first insert, so one more try decides.
 *
 * `key` must be a unique key of the collection, `{_id: <string>}` for FerretDB to find it through
 * its index (docs/ferretdb.md, "Lookups"); `state` must include `occurred_at`. One compare-and-set
 * on a server whose updates are atomic (MongoDB, our FerretDB build: docs/ferretdb.md, "Updates"),
 * so copies of a consumer may apply events of one key at the same instant and the newest wins.
 */
export async function applyIfNewer<T extends Document & { occurred_at: Date }>(
  collection: Collection<T>,
  key: Filter<T>,
  state: MatchKeysAndValues<T>,
): Promise<'applied' | 'older'> {
  const filter = { ...key, occurred_at: { $lte: state.occurred_at } } as Filter<T>;
  for (let attempt = 1; ; attempt++) {
    try {
      await collection.updateOne(filter, { $set: state }, { upsert: true });
      return 'applied';
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      if (attempt >= 2) return 'older';
    }
  }
}
