import type { Db, Document } from 'mongodb';

/**
 * The server's `buildInfo`, asked once per client: what kind of server it is does not change
 * while the client is connected to it.
 */
const infos = new WeakMap<object, Promise<Document>>();

function buildInfo(db: Db): Promise<Document> {
  const client = db.client;
  let info = infos.get(client);
  if (!info) {
    info = db.admin().command({ buildInfo: 1 });
    // A failed probe is asked again next time rather than remembered.
    info.catch(() => infos.delete(client));
    infos.set(client, info);
  }
  return info;
}

/**
 * Whether the server behind `db` is FerretDB, which answers `buildInfo` with `ferretdbVersion`.
 * For what FerretDB 1.24 lacks whatever its build (operators, error details: docs/ferretdb.md).
 */
export async function isFerretdb(db: Db): Promise<boolean> {
  return fromFerretdb(await buildInfo(db));
}

const fromFerretdb = (info: Document): boolean =>
  typeof info.ferretdbVersion === 'string' || info.ferretdb !== undefined;

/** The patch of scripts/install-ferretdb.sh that makes FerretDB's single-statement writes atomic. */
export const ATOMIC_WRITES_PATCH = 'atomic-writes';

/**
 * Whether each update, findAndModify and delete is atomic towards concurrent ones on the same
 * document, so that a compare-and-set succeeds once and no `$inc` is lost: MongoDB, and FerretDB
 * built by scripts/install-ferretdb.sh, which says so in `buildInfo.ferretdbPatches`. An upstream
 * FerretDB 1.24 reads, changes and writes back (docs/ferretdb.md, "Updates"): there, writers of one
 * document must be serialized in the one process that writes it.
 */
export async function updatesAreAtomic(db: Db): Promise<boolean> {
  const info = await buildInfo(db);
  if (!fromFerretdb(info)) return true;
  return Array.isArray(info.ferretdbPatches) && info.ferretdbPatches.includes(ATOMIC_WRITES_PATCH);
}
