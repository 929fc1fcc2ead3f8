import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { makeTempDir, removeTempDir, startMongo } from '@im/testkit';
import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { isFerretdb } from '../src/index.js';

/**
 * Why scripts/install-ferretdb.sh patches FerretDB 1.24.2: SQLite uses an index on an expression
 * only for that expression's exact spelling. FerretDB's `_id` index is on `_ferretdb_sjson->"_id"`;
 * its look-ups said `->'$._id'` (a scan of the whole table); the patched build says `->'_id'`.
 * Asked of SQLite itself, on the file FerretDB wrote. Skipped where the tests run on MongoDB.
 */
describe('FerretDB _id look-ups', () => {
  it('are index searches with the patched expression, scans with the original one', async () => {
    const root = await makeTempDir('im-id-index-');
    const mongo = await startMongo({ dataRoot: root });
    const client = new MongoClient(mongo.url);
    try {
      await client
        .db('idindex')
        .collection<{ _id: string; n: number }>('docs')
        .insertMany(Array.from({ length: 500 }, (_, n) => ({ _id: `doc-${n}`, n })));
      if (!(await isFerretdb(client.db('idindex')))) return; // MongoDB: nothing to patch
      const file = join(root, 'ferretdb', 'idindex.sqlite');
      expect(existsSync(file)).toBe(true);
      const sqlite = new DatabaseSync(file, { readOnly: true });
      try {
        const { table_name } = sqlite
          .prepare('SELECT table_name FROM _ferretdb_collections WHERE name = ?')
          .get('docs') as { table_name: string };
        const plan = (expression: string) =>
          (
            sqlite
              .prepare(
                `EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM "${table_name}" WHERE ${expression} = ?`,
              )
              .all('"doc-7"') as { detail: string }[]
          )
            .map((row) => row.detail)
            .join('; ');
        expect(plan("_ferretdb_sjson->'_id'")).toMatch(/^SEARCH .* USING INDEX/);
        expect(plan("_ferretdb_sjson->'$._id'")).toMatch(/^SCAN /);
      } finally {
        sqlite.close();
      }
    } finally {
      await client.close();
      await mongo.stop();
      await removeTempDir(root);
    }
  }, 60_000);
});
