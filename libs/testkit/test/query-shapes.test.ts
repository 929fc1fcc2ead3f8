import { Decimal128, Double, Int32, Long, ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { bsonTypeOf, filterShape, renderShape, shapeKey, shapesOfCommand, sortShape } from '../src/index.js';

describe('bsonTypeOf', () => {
  it('names the type a value goes on the wire as', () => {
    expect(bsonTypeOf('x')).toBe('string');
    expect(bsonTypeOf(7)).toBe('int');
    expect(bsonTypeOf(-2_147_483_648)).toBe('int');
    expect(bsonTypeOf(2_147_483_648)).toBe('double'); // past int32: the driver sends a double
    expect(bsonTypeOf(1.5)).toBe('double');
    expect(bsonTypeOf(10n)).toBe('long');
    expect(bsonTypeOf(true)).toBe('bool');
    expect(bsonTypeOf(null)).toBe('null');
    expect(bsonTypeOf(undefined)).toBe('null');
    expect(bsonTypeOf(new Date())).toBe('date');
    expect(bsonTypeOf(/a/)).toBe('regex');
    expect(bsonTypeOf([1, 2])).toBe('array');
    expect(bsonTypeOf({ a: 1 })).toBe('object');
    expect(bsonTypeOf(new ObjectId())).toBe('objectId');
    expect(bsonTypeOf(new Int32(1))).toBe('int');
    expect(bsonTypeOf(new Double(1))).toBe('double');
    expect(bsonTypeOf(Long.fromNumber(1))).toBe('long');
    expect(bsonTypeOf(Decimal128.fromString('1.5'))).toBe('decimal');
    expect(bsonTypeOf(Buffer.from('a'))).toBe('binData');
  });
});

describe('filterShape', () => {
  it('replaces values with their types and keeps field names', () => {
    expect(filterShape({ _id: 'abc' })).toEqual({ _id: 'string' });
    expect(filterShape({ push_id: 3, student_uid: { $in: ['a', 'b'] } })).toEqual({
      push_id: 'int',
      student_uid: { $in: 'array' },
    });
    expect(filterShape(undefined)).toEqual({});
    expect(filterShape({})).toEqual({});
  });

  it('is one shape whatever the values and the order of the keys', () => {
    expect(filterShape({ b: 1, a: 'x' })).toEqual(filterShape({ a: 'y', b: 99 }));
    expect(Object.keys(filterShape({ status: 'active', id: 1, _id: 'x' }))).toEqual(['_id', 'id', 'status']);
  });

  it('keeps dotted keys as they are', () => {
    expect(filterShape({ 'event.sent': false, 'event.parked': { $ne: true } })).toEqual({
      'event.parked': { $ne: 'bool' },
      'event.sent': 'bool',
    });
  });

  it('follows nested operators', () => {
    const now = new Date();
    expect(
      filterShape({
        retry_at: { $not: { $gt: now } },
        created_at: { $lt: now, $gte: now },
        reply: { $ne: null },
        tags: { $elemMatch: { k: 'x', v: { $gt: 1 } } },
        scores: { $elemMatch: { $gte: 80, $lt: 85 } },
        name: { $not: /^a/ },
        deleted: { $exists: false },
      }),
    ).toEqual({
      created_at: { $gte: 'date', $lt: 'date' },
      deleted: { $exists: 'bool' },
      name: { $not: 'regex' },
      reply: { $ne: 'null' },
      retry_at: { $not: { $gt: 'date' } },
      scores: { $elemMatch: { $gte: 'int', $lt: 'int' } },
      tags: { $elemMatch: { k: 'string', v: { $gt: 'int' } } },
    });
  });

  it('shapes each branch of $and, $or and $nor, in their order', () => {
    expect(filterShape({ $or: [{ b: 1 }, { a: 'x', c: { $in: [] } }], $and: [{ z: true }] })).toEqual({
      $and: [{ z: 'bool' }],
      $or: [{ b: 'int' }, { a: 'string', c: { $in: 'array' } }],
    });
  });

  it('tells an equality on an array or a document from an operator', () => {
    expect(filterShape({ tags: ['a', 'b'], owner: { org: 1, uid: 2 }, n: { $eq: { a: 1 } } })).toEqual({
      n: { $eq: 'object' },
      owner: 'object',
      tags: 'array',
    });
  });

  it('does not look inside expressions', () => {
    expect(filterShape({ $expr: { $gt: ['$a', '$b'] }, a: 1 })).toEqual({ $expr: 'expression', a: 'int' });
  });
});

describe('sortShape', () => {
  it('keeps the keys in their order, with their directions', () => {
    expect(sortShape({ pushed_at: -1, push_id: -1 })).toEqual({ pushed_at: -1, push_id: -1 });
    expect(Object.keys(sortShape({ z: 1, a: 1 }) ?? {})).toEqual(['z', 'a']);
    expect(
      sortShape(
        new Map<string, unknown>([
          ['day', -1],
          ['id', 'asc'],
        ]),
      ),
    ).toEqual({ day: -1, id: 1 });
    expect(sortShape(undefined)).toBeUndefined();
    expect(sortShape({})).toBeUndefined();
  });
});

describe('renderShape and shapeKey', () => {
  it('writes a shape on one line', () => {
    expect(renderShape({ a: 'int', b: { $in: 'array' }, $or: [{ c: 'string' }, {}] })).toBe(
      '{a: int, b: {$in: array}, $or: [{c: string}, {}]}',
    );
  });

  it('names collection, kind, filter, sort, a later page and the other stages', () => {
    expect(
      shapeKey({
        collection: 'deliveries',
        kind: 'find',
        filter: { student_uid: 'string' },
        sort: { pushed_at: -1, push_id: -1 },
        skip: true,
      }),
    ).toBe('deliveries find {student_uid: string} sort {pushed_at: -1, push_id: -1} skip>0');
    expect(
      shapeKey({
        collection: 'push_history',
        kind: 'aggregate',
        filter: { id: 'int' },
        skip: false,
        stages: ['$project', '$unwind', '$skip', '$limit'],
      }),
    ).toBe('push_history aggregate {id: int} | $project $unwind $skip $limit');
  });
});

describe('shapesOfCommand', () => {
  const keys = (name: string, command: Record<string, unknown>) =>
    shapesOfCommand(name, command).map((s) => s.key);

  it('shapes a find: filter, sort, whether it skips; the projection does not count', () => {
    const [first] = shapesOfCommand('find', {
      find: 'groups',
      filter: { organization_id: 1, status: 'active' },
      sort: new Map([['id', 1]]),
      skip: 20,
      limit: 20,
      projection: { _id: 0 },
      maxTimeMS: 5000,
      lsid: { id: 'x' },
      $db: 'im_group',
    });
    expect(first?.key).toBe('groups find {organization_id: int, status: string} sort {id: 1} skip>0');
    expect(first?.explainable).toEqual({
      find: 'groups',
      filter: { organization_id: 1, status: 'active' },
      sort: new Map([['id', 1]]),
      skip: 20,
      limit: 20,
      projection: { _id: 0 },
    });
    expect(keys('find', { find: 'groups', filter: { id: 3 }, skip: 0, projection: { a: 1 } })).toEqual([
      'groups find {id: int}',
    ]);
  });

  it('shapes an aggregate by its first $match and names the other stages', () => {
    expect(
      keys('aggregate', {
        aggregate: 'push_history',
        pipeline: [
          { $match: { id: 4 } },
          { $project: { s: 1 } },
          { $unwind: '$s' },
          { $skip: 0 },
          { $limit: 5 },
        ],
        cursor: {},
      }),
    ).toEqual(['push_history aggregate {id: int} | $project $unwind $skip $limit']);
    expect(
      keys('aggregate', { aggregate: 'x', pipeline: [{ $group: { _id: '$a' } }, { $sort: { _id: 1 } }] }),
    ).toEqual(['x aggregate {} | $group $sort {_id: 1}']);
    expect(keys('aggregate', { aggregate: 1, pipeline: [{ $currentOp: {} }] })).toEqual([]);
  });

  it("recognises the driver's countDocuments", () => {
    const group = { $group: { _id: 1, n: { $sum: 1 } } };
    expect(keys('aggregate', { aggregate: 'm', pipeline: [{ $match: { group_id: 1 } }, group] })).toEqual([
      'm countDocuments {group_id: int}',
    ]);
    expect(
      keys('aggregate', { aggregate: 'm', pipeline: [{ $match: { _id: 'a' } }, { $limit: 1 }, group] }),
    ).toEqual(['m countDocuments {_id: string} | $limit']);
  });

  it('shapes every statement of an update and a delete, each explainable alone', () => {
    const update = shapesOfCommand('update', {
      update: 'groups',
      updates: [
        { q: { id: 1 }, u: { $set: { a: 1 } }, upsert: true },
        { q: { id: 2, status: 'pending' }, u: { $set: { status: 'active' } } },
      ],
      ordered: true,
      writeConcern: { w: 1 },
    });
    expect(update.map((s) => s.key)).toEqual([
      'groups update {id: int}',
      'groups update {id: int, status: string}',
    ]);
    expect(update[1]?.explainable).toEqual({
      update: 'groups',
      updates: [{ q: { id: 2, status: 'pending' }, u: { $set: { status: 'active' } } }],
    });
    expect(
      keys('delete', {
        delete: 'outbox',
        deletes: [{ q: { _id: { $in: ['a'] }, sent: true }, limit: 0 }],
      }),
    ).toEqual(['outbox delete {_id: {$in: array}, sent: bool}']);
  });

  it('shapes count, distinct and findAndModify', () => {
    expect(keys('count', { count: 'c', query: { a: 'x' }, skip: 3 })).toEqual(['c count {a: string} skip>0']);
    expect(keys('count', { count: 'c' })).toEqual(['c count {}']);
    expect(keys('distinct', { distinct: 'c', key: 'k', query: { a: 1 } })).toEqual(['c distinct {a: int}']);
    expect(
      keys('findAndModify', {
        findAndModify: 'counters',
        query: { _id: 'groups' },
        update: { $inc: { seq: 1 } },
        upsert: true,
        new: true,
      }),
    ).toEqual(['counters findAndModify {_id: string}']);
  });

  it('gives no shape to commands that read or write no existing documents', () => {
    expect(keys('insert', { insert: 'c', documents: [{}] })).toEqual([]);
    expect(keys('getMore', { getMore: 1, collection: 'c' })).toEqual([]);
    expect(keys('find', { find: 'system.indexes', filter: {} })).toEqual([]);
  });
});
