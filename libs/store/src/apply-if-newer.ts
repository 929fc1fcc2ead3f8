import type { Collection, Document, Filter, MatchKeysAndValues, OptionalUnlessRequiredId } from 'mongodb';
import { isDuplicateKeyError } from './duplicate-key.js';
import { isFerretdb } from './server-kind.js';

/**
 * Last-writer-wins by event time, for projections fed by events that may arrive twice or out of
 * order. The filter matches the document only while it holds an older (or the same) event; when it
 * matches none, the upsert tries to insert and the unique key refuses: that refusal means "a newer
 * event is in". It can also mean a concurrent first insert, so one more try decides.
 *
 * `key` must be a unique key of the collection, `{_id: <string>}` for FerretDB to find it without
 * a scan; `state` must include `occurred_at`. On MongoDB the filter on `occurred_at` makes it one
 * atomic compare-and-set. FerretDB would scan the collection for that two-key filter
 * (docs/ferretdb.md, "Lookups") and its updates are not atomic anyway ("Updates"), so there the
 * document is read by its key, compared here, and written by its key: one consumer copy applies
 * events one at a time, and two applying events of one key at the same instant could let the
 * older win.
 */
export async function applyIfNewer<T extends Document & { occurred_at: Date }>(
  collection: Collection<T>,
  key: Filter<T>,
  state: MatchKeysAndValues<T>,
): Promise<'applied' | 'older'> {
  if (await isFerretdb(collection.db)) return applyByKey(collection, key, state);
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

async function applyByKey<T extends Document & { occurred_at: Date }>(
  collection: Collection<T>,
  key: Filter<T>,
  state: MatchKeysAndValues<T>,
): Promise<'applied' | 'older'> {
  for (let attempt = 1; ; attempt++) {
    const current = await collection.findOne(key, { projection: { occurred_at: 1 } });
    if (current && (current.occurred_at as Date) > (state.occurred_at as Date)) return 'older';
    if (current) {
      await collection.updateOne(key, { $set: state });
      return 'applied';
    }
    try {
      await collection.insertOne({ ...key, ...state } as unknown as OptionalUnlessRequiredId<T>);
      return 'applied';
    } catch (error) {
      // A concurrent first insert of the same key: look again.
      if (!isDuplicateKeyError(error) || attempt >= 3) throw error;
    }
  }
}
