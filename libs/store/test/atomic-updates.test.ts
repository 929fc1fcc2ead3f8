import { type MongoCopies, startMongoCopies } from '@im/testkit';
import { type Db, type Document, ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFerretdb, updatesAreAtomic } from '../src/index.js';

/**
 * What two copies of a service rely on when they write one database: each update, findAndModify
 * and delete is atomic per document, as on MongoDB (scripts/install-ferretdb.sh patches FerretDB
 * 1.24 to make it so: docs/ferretdb.md, "Updates"), and a filter of `_id` plus conditions is still
 * an `_id` look-up ("Lookups"). Two clients, each with its own connection pool, stand for the two
 * copies; every race is started on both at once.
 */
let server: MongoCopies;
let dbs: [Db, Db];
let ferret: boolean;

beforeAll(async () => {
  server = await startMongoCopies('atomic', { maxPoolSize: 16 });
  dbs = server.dbs;
  ferret = await isFerretdb(dbs[0]);
}, 120_000);

afterAll(() => server?.stop());

/** `n` calls of `task`, alternating between the two clients, all started before any is awaited. */
function race<T>(n: number, task: (db: Db, i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => task(dbs[i % 2] as Db, i)));
}

describe('single-statement writes from two clients', () => {
  it('are announced as atomic by the server', async () => {
    expect(
      await updatesAreAtomic(dbs[0]),
      'a FerretDB without the atomic-writes patch: rebuild it with scripts/install-ferretdb.sh',
    ).toBe(true);
    if (ferret) {
      const info = await dbs[1].admin().command({ buildInfo: 1 });
      expect(info.ferretdbPatches).toEqual(expect.arrayContaining(['id-pushdown', 'atomic-writes']));
    }
  });

  it('lose no $inc: updateOne and findOneAndUpdate', async () => {
    const name = 'counts';
    await dbs[0].collection<{ _id: string; n: number }>(name).insertOne({ _id: 'c', n: 0 });
    await race(200, (db) =>
      db.collection<{ _id: string; n: number }>(name).updateOne({ _id: 'c' }, { $inc: { n: 1 } }),
    );
    expect((await dbs[0].collection<{ _id: string; n: number }>(name).findOne({ _id: 'c' }))?.n).toBe(200);

    // Upserted by the first, then every call gets a number of its own.
    const handed = await race(120, async (db) => {
      const doc = await db
        .collection<{ _id: string; seq: number }>(name)
        .findOneAndUpdate({ _id: 'seq' }, { $inc: { seq: 1 } }, { upsert: true, returnDocument: 'after' })
        .catch(async (error: unknown) => {
          // Concurrent first upserts: the one that lost the insert asks again (Counters does too).
          if ((error as { code?: number }).code !== 11000) throw error;
          return db
            .collection<{ _id: string; seq: number }>(name)
            .findOneAndUpdate({ _id: 'seq' }, { $inc: { seq: 1 } }, { returnDocument: 'after' });
        });
      return doc?.seq;
    });
    expect([...handed].sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
      Array.from({ length: 120 }, (_, i) => i + 1),
    );
  });

  it('let exactly one compare-and-set win per version', async () => {
    const docs = () => (dbs[0] as Db).collection<{ _id: string; version: number; by?: number }>('cas');
    await docs().insertOne({ _id: 'k', version: 0 });
    const rounds = 25;
    for (let v = 0; v < rounds; v++) {
      // Every writer read version v and tries to move it to v + 1.
      const results = await race(8, (db, i) =>
        db
          .collection<{ _id: string; version: number; by?: number }>('cas')
          .updateOne({ _id: 'k', version: v }, { $set: { version: v + 1, by: i } }),
      );
      const wins = results.filter((r) => r.modifiedCount === 1).length;
      expect({ version: v, wins }).toEqual({ version: v, wins: 1 });
      expect(results.reduce((sum, r) => sum + r.matchedCount, 0)).toBe(1);
    }
    expect((await docs().findOne({ _id: 'k' }))?.version).toBe(rounds);

    // The same through findOneAndUpdate: one writer gets the document, the rest null.
    for (let v = rounds; v < rounds + 10; v++) {
      const found = await race(6, (db, i) =>
        db
          .collection<{ _id: string; version: number; by?: number }>('cas')
          .findOneAndUpdate({ _id: 'k', version: v }, { $set: { version: v + 1, by: i } }),
      );
      expect(found.filter((doc) => doc !== null)).toHaveLength(1);
    }
  });

  it('let a conditional delete and a conditional update of one document not both win', async () => {
    const docs = (db: Db) => db.collection<{ _id: string; token: string }>('claims');
    for (let round = 0; round < 20; round++) {
      const _id = `claim-${round}`;
      await docs(dbs[0]).insertOne({ _id, token: 'a' });
      const [deleted, moved] = await Promise.all([
        docs(dbs[0]).deleteOne({ _id, token: 'a' }),
        docs(dbs[1]).updateOne({ _id, token: 'a' }, { $set: { token: 'b' } }),
      ]);
      const left = await docs(dbs[0]).findOne({ _id });
      // Either the delete won (nothing left, the update matched nothing) or the update did
      // (the document holds the new token, the delete matched nothing).
      expect({
        deleted: deleted.deletedCount,
        moved: moved.modifiedCount,
        left: left?.token ?? null,
      }).toEqual(
        deleted.deletedCount === 1
          ? { deleted: 1, moved: 0, left: null }
          : { deleted: 0, moved: 1, left: 'b' },
      );
    }
  });

  it('upsert one document once when many first writes race', async () => {
    const docs = (db: Db) => db.collection<{ _id: string; n: number }>('upserts');
    const results = await race(20, (db) =>
      docs(db)
        .updateOne({ _id: 'u', n: { $exists: false } } as Document, { $set: { n: 1 } }, { upsert: true })
        .then(
          (r) => (r.upsertedCount > 0 ? 'inserted' : r.modifiedCount > 0 ? 'modified' : 'none'),
          (error: { code?: number }) => (error.code === 11000 ? 'duplicate' : Promise.reject(error)),
        ),
    );
    expect(results.filter((r) => r === 'inserted' || r === 'modified')).toHaveLength(1);
    expect(await docs(dbs[0]).countDocuments({ _id: 'u' })).toBe(1);
  });
});

describe('a filter of _id and more', () => {
  it('is an _id look-up', async () => {
    const docs = dbs[0].collection<{ _id: string; other: number }>('lookups');
    await docs.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: `x${i}`, other: i % 3 })));
    const explain = (command: Document) => dbs[0].command({ explain: command });
    const find = await explain({ find: 'lookups', filter: { _id: 'x7', other: 1 } });
    const aggregate = await explain({
      aggregate: 'lookups',
      pipeline: [{ $match: { _id: 'x7', other: { $gte: 0 } } }],
      cursor: {},
    });
    for (const answer of [find, aggregate]) {
      if (ferret) {
        expect(answer.filterPushdown).toBe(true);
        const plan = (answer.queryPlanner?.Plan ?? []).map(String).join('; ');
        expect(plan).toMatch(/SEARCH .* USING INDEX/);
        expect(plan).not.toMatch(/detail=SCAN/);
      } else {
        expect(JSON.stringify(answer)).toMatch(/IDHACK|EXPRESS|IXSCAN/);
        expect(JSON.stringify(answer)).not.toMatch(/COLLSCAN/);
      }
    }
    if (ferret) {
      // `$in` of strings is narrowed too; an `_id` that is not a string or ObjectId (or an `$in`
      // holding one) is not.
      const inStrings = await explain({ find: 'lookups', filter: { _id: { $in: ['x7', 'x8'] }, other: 1 } });
      expect(inStrings.filterPushdown).toBe(true);
      expect(JSON.stringify(inStrings)).toMatch(/SEARCH .* USING INDEX/);
      for (const filter of [
        { _id: 7, other: 1 },
        { _id: { $in: ['x7', 7] }, other: 1 },
        { _id: { $gt: 'x7' } },
      ]) {
        expect((await explain({ find: 'lookups', filter })).filterPushdown).toBe(false);
      }
    }
  });

  it('still matches on every key: the look-up only narrows what is read', async () => {
    const docs = dbs[0].collection<{ _id: string | ObjectId; other: number; tag?: string }>('prefilter');
    const oid = new ObjectId();
    await docs.insertMany([
      { _id: 'a', other: 1, tag: 't' },
      { _id: oid, other: 2 },
    ]);
    expect(await docs.findOne({ _id: 'a', other: 2 })).toBeNull();
    expect(await docs.findOne({ _id: 'a', other: 1, tag: 't' })).toMatchObject({ _id: 'a' });
    expect(await docs.findOne({ _id: oid, other: 2 })).toMatchObject({ other: 2 });
    expect(await docs.findOne({ _id: oid, other: 1 })).toBeNull();
    expect(await docs.countDocuments({ _id: 'a', tag: { $exists: false } })).toBe(0);
    expect(await docs.distinct('other', { _id: 'a', other: { $gt: 0 } })).toEqual([1]);
    expect(await docs.aggregate([{ $match: { _id: 'a', other: 5 } }]).toArray()).toEqual([]);
    expect((await docs.updateOne({ _id: 'a', other: 2 }, { $set: { tag: 'no' } })).matchedCount).toBe(0);
    expect(await docs.findOneAndUpdate({ _id: oid, other: 1 }, { $set: { tag: 'no' } })).toBeNull();
    expect((await docs.deleteOne({ _id: 'a', tag: 'other' })).deletedCount).toBe(0);
    expect((await docs.deleteOne({ _id: oid, other: 2 })).deletedCount).toBe(1);
    expect(await docs.find({}).toArray()).toEqual([{ _id: 'a', other: 1, tag: 't' }]);
  });
});

describe('an anchored prefix of _id', () => {
  // Ids around the prefix `ab_`: escapes in JSON text (quote, backslash, <, control), the next
  // byte up (`ab``), a shorter id, non-ASCII, and non-string ids that a text range must not catch.
  const ids: (string | number | ObjectId)[] = [
    'ab_',
    'ab_1',
    'ab_"q',
    'ab_\\b',
    'ab_<x>',
    'ab_\u0001',
    'ab_é',
    'ab_\u2028',
    'ab`',
    'ab',
    'aa_9',
    'ab_zz',
    'Ab_1',
    7,
    new ObjectId(),
  ];

  it('is one range of the _id index, and matches what a scan matches', async () => {
    const docs = dbs[0].collection<{ _id: string | number | ObjectId; n: number }>('prefixes');
    await docs.insertMany(ids.map((_id, n) => ({ _id, n })));
    const expected = ids.filter((id): id is string => typeof id === 'string' && id.startsWith('ab_')).sort();
    const byRegex = await docs.find({ _id: /^ab_/ }, { sort: { _id: 1 } }).toArray();
    const byString = await docs.find({ _id: { $regex: '^ab_' } }, { sort: { _id: 1 } }).toArray();
    expect(byRegex.map((d) => d._id)).toEqual(expected);
    expect(byString.map((d) => d._id)).toEqual(expected);
    expect(await docs.countDocuments({ _id: /^ab_/, n: { $gte: 1 } })).toBe(expected.length - 1);
    expect((await docs.deleteMany({ _id: /^ab_z/ })).deletedCount).toBe(1);
    const explain = (filter: Document) => dbs[0].command({ explain: { find: 'prefixes', filter } });
    const answer = await explain({ _id: /^ab_/ });
    if (ferret) {
      expect(answer.filterPushdown).toBe(true);
      expect(JSON.stringify(answer)).toMatch(/SEARCH .* USING INDEX/);
      // Options, characters a pattern or JSON text treat specially, or no anchor: not narrowed.
      for (const filter of [
        { _id: /^ab_/i },
        { _id: /^ab./ },
        { _id: /^a"b/ },
        { _id: /ab_/ },
        { _id: /^/ },
      ]) {
        expect((await explain(filter)).filterPushdown).toBe(false);
      }
    } else {
      expect(JSON.stringify(answer)).toMatch(/IXSCAN/);
    }
  });
});
