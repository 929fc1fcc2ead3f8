import type { Document } from 'mongodb';

/**
 * The shape of a query: what decides which index can serve it, with every value replaced by its
 * BSON type, so that `{group_id: 7}` and `{group_id: 8}` are one shape (`{group_id: int}`).
 * Pure functions; `query-recorder.ts` feeds them the commands a MongoClient sends.
 */

/** A filter with its values replaced by BSON type names (`'string'`, `'int'`, `'array'`, …). */
export type ShapeValue = string | ShapeValue[] | { [key: string]: ShapeValue };
export type FilterShape = { [key: string]: ShapeValue };

/** `countDocuments` is the driver's aggregate `[$match, ($skip), ($limit), $group {_id: 1, n: {$sum: 1}}]`. */
export type ShapeKind =
  | 'find'
  | 'aggregate'
  | 'countDocuments'
  | 'count'
  | 'distinct'
  | 'update'
  | 'delete'
  | 'findAndModify';

export interface QueryShape {
  /** The collection, whatever database it is in. */
  collection: string;
  kind: ShapeKind;
  /** find's `filter`, count's and distinct's `query`, aggregate's first `$match`, each update's and delete's `q`. */
  filter: FilterShape;
  /** Sort keys in their order, with their directions (find, findAndModify). */
  sort?: Record<string, unknown>;
  /** find and count: whether `skip` > 0 (a later page). In a pipeline `$skip` is one of the stages. */
  skip: boolean;
  /** aggregate: the stages after the first `$match` (all of them when there is none), by name. */
  stages?: string[];
}

/** One statement of a command: its shape, and the command to `explain` it with (that statement alone). */
export interface ShapedStatement {
  shape: QueryShape;
  key: string;
  explainable: Document;
}

/** The commands that read or write existing documents; anything else (insert, getMore, …) has no shape. */
export const SHAPED_COMMANDS: readonly string[] = [
  'find',
  'aggregate',
  'count',
  'distinct',
  'update',
  'delete',
  'findAndModify',
];

const BSON_CLASS_TYPES: Record<string, string> = {
  ObjectId: 'objectId',
  ObjectID: 'objectId',
  Int32: 'int',
  Double: 'double',
  Long: 'long',
  Decimal128: 'decimal',
  Binary: 'binData',
  Timestamp: 'timestamp',
  BSONRegExp: 'regex',
  BSONSymbol: 'symbol',
  Code: 'javascript',
  MinKey: 'minKey',
  MaxKey: 'maxKey',
  DBRef: 'dbPointer',
  UUID: 'binData',
};

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

/**
 * The BSON type a value goes on the wire as, by `$type` alias. A JS number is an `int` when the
 * driver serializes it as int32 (an integer in range) and a `double` otherwise; `undefined` is sent
 * as null.
 */
export function bsonTypeOf(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'long';
    case 'number':
      return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX ? 'int' : 'double';
    case 'function':
      return 'javascript';
  }
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'date';
  if (value instanceof RegExp) return 'regex';
  if (value instanceof Uint8Array) return 'binData';
  const bsonType = (value as { _bsontype?: unknown })._bsontype;
  if (typeof bsonType === 'string') return BSON_CLASS_TYPES[bsonType] ?? bsonType;
  return 'object';
}

/** Keys and values of a document or a Map (the driver sends sort documents as Maps). */
function entriesOf(doc: unknown): [string, unknown][] {
  if (doc instanceof Map) return [...doc.entries()].map(([k, v]) => [String(k), v]);
  if (doc !== null && typeof doc === 'object' && !Array.isArray(doc)) return Object.entries(doc);
  return [];
}

/** A plain document (not an array, a date or a BSON value): a sub-filter, an operator object, a sort. */
function isPlainDocument(value: unknown): boolean {
  return (
    value instanceof Map || (value !== null && typeof value === 'object' && bsonTypeOf(value) === 'object')
  );
}

/** MongoDB's rule: a value whose first key starts with `$` is an operator expression. */
function isOperatorObject(value: unknown): boolean {
  if (!isPlainDocument(value)) return false;
  return entriesOf(value)[0]?.[0].startsWith('$') === true;
}

const LOGICAL = new Set(['$and', '$or', '$nor']);
/** Operators whose operand is an expression, not a value to compare with: its type says nothing. */
const OPAQUE = new Set(['$expr', '$where', '$jsonSchema', '$text', '$function']);

const byKey = (a: [string, unknown], b: [string, unknown]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/**
 * A filter's shape: field names (dotted ones as they are) and operators kept, values replaced by
 * their BSON type; keys in alphabetical order (their order does not change the plan), the
 * elements of `$and`/`$or`/`$nor` in theirs. `{}` for no filter.
 */
export function filterShape(filter: unknown): FilterShape {
  const shape: FilterShape = {};
  for (const [key, value] of entriesOf(filter).sort(byKey)) {
    if (LOGICAL.has(key) && Array.isArray(value)) shape[key] = value.map((branch) => filterShape(branch));
    else if (OPAQUE.has(key)) shape[key] = 'expression';
    else if (key.startsWith('$')) shape[key] = operandShape(key, value);
    else shape[key] = valueShape(value);
  }
  return shape;
}

/** What a field is compared with: an operator object (`{$in: 'array'}`) or a value's type. */
function valueShape(value: unknown): ShapeValue {
  if (!isOperatorObject(value)) return bsonTypeOf(value);
  const shape: FilterShape = {};
  for (const [op, operand] of entriesOf(value).sort(byKey)) shape[op] = operandShape(op, operand);
  return shape;
}

function operandShape(op: string, operand: unknown): ShapeValue {
  if (op === '$not') return valueShape(operand);
  // Either a filter on the elements' fields or operators on scalar elements: filterShape keeps both.
  if (op === '$elemMatch') return filterShape(operand);
  if (OPAQUE.has(op)) return 'expression';
  return bsonTypeOf(operand);
}

/** Sort keys in their order (it matters) with their directions; undefined for none. */
export function sortShape(sort: unknown): Record<string, unknown> | undefined {
  if (typeof sort === 'string') return { [sort]: 1 };
  if (Array.isArray(sort)) {
    // The driver's other spellings: ['a', 1], [['a', 1], ['b', -1]], ['a', 'b'].
    const pairs = Array.isArray(sort[0])
      ? sort
      : typeof sort[1] === 'number'
        ? [sort]
        : sort.map((k) => [k, 1]);
    return pairs.length === 0 ? undefined : Object.fromEntries(pairs as [string, unknown][]);
  }
  const entries = entriesOf(sort);
  if (entries.length === 0) return undefined;
  return Object.fromEntries(entries.map(([k, v]) => [k, normalizeDirection(v)]));
}

function normalizeDirection(direction: unknown): unknown {
  if (direction === 'asc' || direction === 'ascending') return 1;
  if (direction === 'desc' || direction === 'descending') return -1;
  const type = bsonTypeOf(direction);
  if (type === 'int' || type === 'double' || type === 'long') return Number(direction);
  return isPlainDocument(direction) ? Object.fromEntries(entriesOf(direction)) : direction;
}

/** `{a: int, b: {$in: array}}`: the shape as the allowlist and the table write it. */
export function renderShape(shape: unknown): string {
  if (typeof shape === 'string') return shape;
  if (typeof shape === 'number' || typeof shape === 'boolean') return String(shape);
  if (Array.isArray(shape)) return `[${shape.map(renderShape).join(', ')}]`;
  const entries = entriesOf(shape);
  if (entries.length === 0) return '{}';
  return `{${entries.map(([k, v]) => `${k}: ${renderShape(v)}`).join(', ')}}`;
}

/**
 * The shape's one-line key, what the allowlist is keyed by:
 * `<collection> <kind> <filter>[ sort <keys>][ skip>0][ | <stages>]`, e.g.
 * `deliveries find {student_uid: string} sort {pushed_at: -1, push_id: -1} skip>0`.
 */
export function shapeKey(shape: QueryShape): string {
  // One collection per day (`…_20261201`) is one shape, whatever the day.
  const collection = shape.collection.replace(/_\d{8}$/, '_<yyyymmdd>');
  let key = `${collection} ${shape.kind} ${renderShape(shape.filter)}`;
  if (shape.sort) key += ` sort ${renderShape(shape.sort)}`;
  if (shape.skip) key += ' skip>0';
  if (shape.stages && shape.stages.length > 0) key += ` | ${shape.stages.join(' ')}`;
  return key;
}

/** The fields of `doc` that are present, in this order. */
function pick(doc: Document, fields: readonly string[]): Document {
  const out: Document = {};
  for (const field of fields) if (doc[field] !== undefined) out[field] = doc[field];
  return out;
}

const positive = (n: unknown) => typeof n === 'number' && n > 0;

function statement(shape: QueryShape, explainable: Document): ShapedStatement {
  return { shape, key: shapeKey(shape), explainable };
}

/** The driver's countDocuments pipeline: `$match`, maybe `$skip` and `$limit`, then `$group {_id: 1, n: {$sum: 1}}`. */
function isCountDocuments(stageNames: string[], last: Document | undefined): boolean {
  const group = last?.$group as Document | undefined;
  return (
    group !== undefined &&
    group._id === 1 &&
    Object.keys(group).length === 2 &&
    (group.n as Document | undefined)?.$sum === 1 &&
    stageNames.slice(0, -1).every((s) => s === '$skip' || s === '$limit')
  );
}

function aggregateStatement(collection: string, command: Document): ShapedStatement {
  const pipeline = (Array.isArray(command.pipeline) ? command.pipeline : []) as Document[];
  const [first, ...rest] = pipeline;
  const hasMatch = first !== undefined && '$match' in first;
  const others = hasMatch ? rest : pipeline;
  const stages = others.map((stage) => {
    const name = Object.keys(stage)[0] ?? '?';
    return name === '$sort' ? `$sort ${renderShape(sortShape(stage.$sort))}` : name;
  });
  const countDocuments = hasMatch && isCountDocuments(stages, others.at(-1));
  const shape: QueryShape = {
    collection,
    kind: countDocuments ? 'countDocuments' : 'aggregate',
    filter: filterShape(hasMatch ? first.$match : {}),
    skip: false,
    stages: countDocuments ? stages.slice(0, -1) : stages,
  };
  return statement(shape, {
    aggregate: collection,
    pipeline,
    cursor: {},
    ...pick(command, ['hint', 'collation', 'let']),
  });
}

/**
 * The statements of a command that reads or writes documents, each with its shape: one for
 * find, aggregate, count, distinct and findAndModify, one per statement of update and delete.
 * None for any other command, or one on a whole database (`aggregate: 1`).
 */
export function shapesOfCommand(commandName: string, command: Document): ShapedStatement[] {
  const collection = command[commandName];
  if (typeof collection !== 'string' || collection.startsWith('system.')) return [];
  switch (commandName) {
    case 'find':
      return [
        statement(
          {
            collection,
            kind: 'find',
            filter: filterShape(command.filter),
            ...optionalSort(command.sort),
            skip: positive(command.skip),
          },
          pick(command, [
            'find',
            'filter',
            'sort',
            'skip',
            'limit',
            'projection',
            'hint',
            'collation',
            'min',
            'max',
          ]),
        ),
      ];
    case 'aggregate':
      return [aggregateStatement(collection, command)];
    case 'count':
      return [
        statement(
          { collection, kind: 'count', filter: filterShape(command.query), skip: positive(command.skip) },
          pick(command, ['count', 'query', 'skip', 'limit', 'hint', 'collation']),
        ),
      ];
    case 'distinct':
      return [
        statement(
          { collection, kind: 'distinct', filter: filterShape(command.query), skip: false },
          pick(command, ['distinct', 'key', 'query', 'hint', 'collation']),
        ),
      ];
    case 'findAndModify':
      return [
        statement(
          {
            collection,
            kind: 'findAndModify',
            filter: filterShape(command.query),
            ...optionalSort(command.sort),
            skip: false,
          },
          pick(command, [
            'findAndModify',
            'query',
            'sort',
            'update',
            'remove',
            'upsert',
            'new',
            'fields',
            'arrayFilters',
            'hint',
            'collation',
          ]),
        ),
      ];
    case 'update':
      return ((command.updates ?? []) as Document[]).map((u) =>
        statement(
          { collection, kind: 'update', filter: filterShape(u.q), ...optionalSort(u.sort), skip: false },
          {
            update: collection,
            updates: [pick(u, ['q', 'u', 'upsert', 'multi', 'sort', 'arrayFilters', 'hint', 'collation'])],
          },
        ),
      );
    case 'delete':
      return ((command.deletes ?? []) as Document[]).map((d) =>
        statement(
          { collection, kind: 'delete', filter: filterShape(d.q), skip: false },
          { delete: collection, deletes: [pick(d, ['q', 'limit', 'hint', 'collation'])] },
        ),
      );
    default:
      return [];
  }
}

function optionalSort(sort: unknown): { sort?: Record<string, unknown> } {
  const shape = sortShape(sort);
  return shape ? { sort: shape } : {};
}
