import type { Db, Document } from 'mongodb';

/**
 * Whether the server behind `db` is FerretDB, which answers `buildInfo` with `ferretdbVersion`.
 * Asked once per client: the answer decides whether an update can be a compare-and-set (MongoDB)
 * or is a read, change and write back (FerretDB 1.24; docs/ferretdb.md, "Updates").
 */
const kinds = new WeakMap<object, Promise<boolean>>();

export function isFerretdb(db: Db): Promise<boolean> {
  const client = db.client;
  let kind = kinds.get(client);
  if (!kind) {
    kind = db
      .admin()
      .command({ buildInfo: 1 })
      .then((info) => typeof info.ferretdbVersion === 'string' || info.ferretdb !== undefined);
    // A failed probe is asked again next time rather than remembered.
    kind.catch(() => kinds.delete(client));
    kinds.set(client, kind);
  }
  return kind;
}

/**
 * The filter of a conditional write by `_id`: `{_id, ...condition}` on MongoDB, where the filter
 * is one atomic compare-and-set served by the `_id` index; `{_id}` alone on FerretDB, which would
 * scan the collection for a filter with another key and whose updates are not atomic anyway
 * (docs/ferretdb.md): there the caller checks `condition` on the document it read.
 */
export async function guardedById(db: Db, _id: string, condition: Document): Promise<Document> {
  return (await isFerretdb(db)) ? { _id } : { _id, ...condition };
}
