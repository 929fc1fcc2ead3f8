import { Long } from 'mongodb';
import { describe, expect, it } from 'vitest';
import {
  checkAllowlist,
  classifyFerretdb,
  classifyMongodb,
  type ExplainedShape,
  ferretdbExplainable,
  type QueryShape,
  shapeTable,
} from '../src/index.js';

const shape = (fields: Partial<QueryShape> = {}): QueryShape => ({
  collection: 'c',
  kind: 'find',
  filter: {},
  skip: false,
  ...fields,
});

/** FerretDB 1.24.2 answers, as it gives them (trimmed of serverInfo and command). */
const ferret = {
  idLookup: {
    queryPlanner: {
      Plan: [
        'id=3 parent=0 notused=0 detail=SEARCH things_9e7a4f34 USING INDEX things_9e7a4f34__id_ (<expr>=?)',
      ],
    },
    filterPushdown: true,
    sortPushdown: false,
    limitPushdown: false,
    ok: 1,
  },
  scan: {
    queryPlanner: { Plan: ['id=2 parent=0 notused=0 detail=SCAN things_9e7a4f34'] },
    filterPushdown: false,
    sortPushdown: false,
    limitPushdown: false,
    ok: 1,
  },
  unpatchedIdLookup: {
    queryPlanner: { Plan: ['id=2 parent=0 notused=0 detail=SCAN things_9e7a4f34'] },
    filterPushdown: true,
    ok: 1,
  },
};

describe('classifyFerretdb', () => {
  it('calls an _id look-up SQLite searches by its index indexed', () => {
    const verdict = classifyFerretdb(shape({ filter: { _id: 'string' } }), ferret.idLookup);
    expect(verdict.indexed).toBe(true);
    expect(verdict.reason).toMatch(/^filterPushdown; SEARCH things_9e7a4f34 USING INDEX/);
  });

  it('calls anything not pushed down a scan, and says when it is sorted in memory', () => {
    const verdict = classifyFerretdb(shape({ filter: { a: 'int' }, sort: { a: 1 } }), ferret.scan);
    expect(verdict).toEqual({
      indexed: false,
      reason:
        'no filterPushdown (FerretDB pushes down only a filter with an _id string, ObjectId, $in of them or anchored prefix regex): every document read, sorted in memory; SCAN things_9e7a4f34',
    });
  });

  it('calls a pushed-down filter SQLite still scans a scan, pointing at the _id patch', () => {
    const verdict = classifyFerretdb(shape({ filter: { _id: 'string' } }), ferret.unpatchedIdLookup);
    expect(verdict.indexed).toBe(false);
    expect(verdict.reason).toMatch(/without the _id patch of scripts\/install-ferretdb.sh/);
  });
});

describe('ferretdbExplainable', () => {
  it('explains what FerretDB would not (count, distinct, update, delete, findAndModify) as the find they run', () => {
    expect(ferretdbExplainable({ count: 'c', query: { _id: 'a' } })).toEqual({
      find: 'c',
      filter: { _id: 'a' },
    });
    expect(ferretdbExplainable({ distinct: 'c', key: 'k' })).toEqual({ find: 'c', filter: {} });
    expect(ferretdbExplainable({ update: 'c', updates: [{ q: { a: 1 }, u: { $set: { b: 1 } } }] })).toEqual({
      find: 'c',
      filter: { a: 1 },
    });
    expect(ferretdbExplainable({ delete: 'c', deletes: [{ q: { _id: 'x' }, limit: 1 }] })).toEqual({
      find: 'c',
      filter: { _id: 'x' },
    });
    expect(
      ferretdbExplainable({
        findAndModify: 'c',
        query: { _id: 'x' },
        sort: { a: 1 },
        update: { $inc: { n: 1 } },
      }),
    ).toEqual({ find: 'c', filter: { _id: 'x' }, sort: { a: 1 } });
    const find = { find: 'c', filter: { a: 1 }, sort: { a: 1 } };
    expect(ferretdbExplainable(find)).toBe(find);
    // Its explain takes `skip` only as a long.
    expect(ferretdbExplainable({ find: 'c', filter: {}, skip: 20 })).toEqual({
      find: 'c',
      filter: {},
      skip: Long.fromNumber(20),
    });
    const aggregate = { aggregate: 'c', pipeline: [{ $match: { _id: 'x' } }], cursor: {} };
    expect(ferretdbExplainable(aggregate)).toBe(aggregate);
  });
});

/** MongoDB answers in the forms 6.0–8.0 give (classic, slot-based, express, pipelines, writes), trimmed. */
const mongo = {
  ixscan: {
    explainVersion: '1',
    queryPlanner: {
      winningPlan: {
        stage: 'LIMIT',
        inputStage: {
          stage: 'FETCH',
          inputStage: {
            stage: 'IXSCAN',
            keyPattern: { organization_id: 1, status: 1, id: 1 },
            indexName: 'organization_id_1_status_1_id_1',
          },
        },
      },
      rejectedPlans: [{ stage: 'FETCH', inputStage: { stage: 'COLLSCAN' } }],
    },
    ok: 1,
  },
  slotBased: {
    explainVersion: '2',
    queryPlanner: {
      winningPlan: {
        queryPlan: { stage: 'FETCH', inputStage: { stage: 'IXSCAN', indexName: 'client_id_1' } },
        slotBasedPlan: { slots: '$$RESULT=s11', stages: '[2] nlj inner [] [s4, s7] COLLSCAN ...' },
      },
      rejectedPlans: [],
    },
  },
  express: {
    explainVersion: '1',
    queryPlanner: {
      winningPlan: { isCached: false, stage: 'EXPRESS_IXSCAN', keyPattern: '{ _id: 1 }', indexName: '_id_' },
      rejectedPlans: [],
    },
  },
  idhackUpdate: { queryPlanner: { winningPlan: { stage: 'UPDATE', inputStage: { stage: 'IDHACK' } } } },
  collscan: {
    queryPlanner: {
      winningPlan: { stage: 'COLLSCAN', filter: { a: { $eq: 1 } }, direction: 'forward' },
      rejectedPlans: [],
    },
  },
  collscanDelete: {
    queryPlanner: { winningPlan: { stage: 'DELETE', inputStage: { stage: 'COLLSCAN' } } },
  },
  blockingSort: {
    queryPlanner: {
      winningPlan: {
        stage: 'SORT',
        sortPattern: { pushed_at: -1 },
        inputStage: { stage: 'FETCH', inputStage: { stage: 'IXSCAN', indexName: 'push_id_1_student_uid_1' } },
      },
    },
  },
  cursorPipeline: {
    explainVersion: '1',
    stages: [
      {
        $cursor: {
          queryPlanner: {
            winningPlan: {
              stage: 'PROJECTION_COVERED',
              inputStage: { stage: 'IXSCAN', indexName: 'push_id_1_student_uid_1' },
            },
            rejectedPlans: [],
          },
        },
      },
      { $group: { _id: '$push_id', n: { $sum: { $const: 1 } } } },
    ],
  },
  pipelineSort: {
    stages: [
      { $cursor: { queryPlanner: { winningPlan: { stage: 'IXSCAN', indexName: 'a_1' } } } },
      { $group: { _id: '$b' } },
      { $sort: { sortKey: { _id: 1 } } },
    ],
  },
  countScan: { queryPlanner: { winningPlan: { stage: 'COUNT', inputStage: { stage: 'COUNT_SCAN' } } } },
  fastCount: { queryPlanner: { winningPlan: { stage: 'RECORD_STORE_FAST_COUNT' } } },
  eof: { queryPlanner: { winningPlan: { stage: 'EOF' } } },
};

describe('classifyMongodb', () => {
  it('calls plans that find documents through an index indexed, naming the index', () => {
    expect(classifyMongodb(mongo.ixscan)).toEqual({
      indexed: true,
      reason: 'LIMIT ← FETCH ← IXSCAN organization_id_1_status_1_id_1',
    });
    expect(classifyMongodb(mongo.slotBased)).toEqual({ indexed: true, reason: 'FETCH ← IXSCAN client_id_1' });
    expect(classifyMongodb(mongo.express)).toEqual({ indexed: true, reason: 'EXPRESS_IXSCAN _id_' });
    expect(classifyMongodb(mongo.idhackUpdate).indexed).toBe(true);
    expect(classifyMongodb(mongo.cursorPipeline)).toEqual({
      indexed: true,
      reason: 'PROJECTION_COVERED ← IXSCAN push_id_1_student_uid_1',
    });
    expect(classifyMongodb(mongo.countScan).indexed).toBe(true);
    expect(classifyMongodb(mongo.fastCount).indexed).toBe(true);
  });

  it('calls a COLLSCAN in the winning plan a scan, not one in a rejected plan', () => {
    expect(classifyMongodb(mongo.collscan)).toEqual({ indexed: false, reason: 'COLLSCAN: COLLSCAN' });
    expect(classifyMongodb(mongo.collscanDelete)).toEqual({
      indexed: false,
      reason: 'COLLSCAN: DELETE ← COLLSCAN',
    });
  });

  it('calls a blocking sort a scan, in the plan or in the pipeline', () => {
    expect(classifyMongodb(mongo.blockingSort)).toEqual({
      indexed: false,
      reason: 'sorted in memory (blocking SORT): SORT ← FETCH ← IXSCAN push_id_1_student_uid_1',
    });
    expect(classifyMongodb(mongo.pipelineSort).indexed).toBe(false);
  });

  it('judges no plan it cannot see', () => {
    expect(classifyMongodb(mongo.eof)).toEqual({
      indexed: false,
      reason: 'EOF: no such collection when explained, so no plan to judge',
    });
    expect(classifyMongodb({ ok: 1 })).toEqual({
      indexed: false,
      reason: 'no winning plan in the explain answer',
    });
  });
});

const result = (
  key: string,
  indexed: boolean,
  reason = indexed ? 'IXSCAN a_1' : 'COLLSCAN',
): ExplainedShape => ({
  key,
  indexed,
  reason,
  shape: shape(),
  count: 1,
  database: 'db',
  server: 'mongodb',
  explained: {},
  answer: {},
});

describe('checkAllowlist', () => {
  it('passes when every scan is listed and every entry is a scan that occurs', () => {
    const report = checkAllowlist([result('a find {}', false), result('b find {_id: string}', true)], {
      'a find {}': 'tiny by construction: pending work',
    });
    expect(report).toMatchObject({ ok: true, unlisted: [], stale: [], unexplained: [], message: '' });
  });

  it('fails on an unlisted scan and on stale entries, printing the lines to paste', () => {
    const report = checkAllowlist(
      [
        result('new find {a: int}', false, 'COLLSCAN: COLLSCAN'),
        result("fixed find {_id: 'x'}", true, 'IDHACK'),
      ],
      {
        'gone find {}': 'debt: issue 10',
        "fixed find {_id: 'x'}": 'debt: issue 10',
        'new find {}': 'TODO: x',
      },
      'ALLOWLIST.mongodb',
    );
    expect(report.ok).toBe(false);
    expect(report.unlisted.map((r) => r.key)).toEqual(['new find {a: int}']);
    expect(report.stale).toEqual([
      { key: "fixed find {_id: 'x'}", why: 'indexed now: IDHACK' },
      { key: 'gone find {}', why: 'no longer occurs' },
      { key: 'new find {}', why: 'no longer occurs' },
    ]);
    expect(report.unexplained).toEqual(['new find {}']);
    expect(report.message).toBe(
      [
        'The query shapes are out of step with ALLOWLIST.mongodb:',
        'Scans it does not list: make each indexed, or add it with one line saying why it may scan (1):',
        "  'new find {a: int}': 'TODO: one line saying why this may scan', // COLLSCAN: COLLSCAN",
        'Entries to remove (3):',
        "  'fixed find {_id: \\'x\\'}', // indexed now: IDHACK",
        "  'gone find {}', // no longer occurs",
        "  'new find {}', // no longer occurs",
        'Entries without a reason (1):',
        "  'new find {}'",
      ].join('\n'),
    );
  });
});

describe('shapeTable', () => {
  it('lists every shape with its verdict, count and reason, the allowlist reason beside a listed scan', () => {
    const table = shapeTable([result('b find {}', true), result('a find {}', false)], {
      'a find {}': 'debt: x',
    });
    expect(table.split('\n')).toEqual([
      '2 query shapes on mongodb',
      'verdict        n  shape      plan',
      'scan (listed)  1  a find {}  COLLSCAN [debt: x]',
      'indexed        1  b find {}  IXSCAN a_1',
    ]);
  });
});
