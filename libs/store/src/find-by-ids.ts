import type { Collection, Document, Filter, FindOptions } from 'mongodb';

/**
 * The documents with these string `_id`s, by `_id` (a missing one is absent from the map): one
 * statement, a look-up for one and an `_id $in` for several, which MongoDB and our FerretDB build
 * serve from the `_id` index (docs/ferretdb.md, "Our build"). Lists read the chunks and buckets
 * of a page this way.
 */
export async function findByIds<D extends Document & { _id: string }>(
  docs: Collection<D>,
  ids: readonly string[],
  options: FindOptions = {},
): Promise<Map<string, D>> {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return new Map();
  const found =
    wanted.length === 1
      ? [await docs.findOne({ _id: wanted[0] } as Filter<D>, options)].filter((d) => d !== null)
      : await docs.find({ _id: { $in: wanted } } as Filter<D>, options).toArray();
  return new Map(found.map((d) => [(d as D)._id, d as D]));
}
