import type { Db } from 'mongodb';

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
