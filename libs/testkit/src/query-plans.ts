import { type Document, Long } from 'mongodb';
import type { QueryShape } from './query-shapes.js';

/**
 * What an `explain` answer says about a query shape: served by an index, or a scan (with why).
 * Pure functions over explain answers; `query-recorder.ts` asks the server for them.
 */

export type ServerKind = 'ferretdb' | 'mongodb';

export interface PlanVerdict {
  indexed: boolean;
  /** One line: the plan that was found, and for a scan what makes it one. */
  reason: string;
}

export interface ExplainedShape extends PlanVerdict {
  key: string;
  shape: QueryShape;
  /** How many statements of this shape were recorded. */
  count: number;
  /** The database of the statement that was explained (one of those the shape was seen in). */
  database: string;
  server: ServerKind;
  /** The command sent as `explain` and the server's answer, for a closer look. */
  explained: Document;
  answer: Document | undefined;
}

/**
 * The command to explain a statement with on FerretDB 1.24. Its `explain` reads only `filter`,
 * `sort`, `limit`, `skip` and an aggregate's `pipeline` (handler/common/explain.go): explaining
 * a count, distinct, update, delete or findAndModify as it is would report the plan of an empty
 * filter, a scan, whatever the filter. Each of those commands hands its filter to the same backend
 * query that find uses (msg_count.go, msg_distinct.go, msg_update.go, msg_delete.go,
 * msg_findandmodify.go: `qp.Filter = …`), so the find with that filter shows what they do.
 */
export function ferretdbExplainable(explainable: Document): Document {
  if ('aggregate' in explainable) return explainable;
  if ('find' in explainable) {
    // find takes any number for `skip`; explain only a long ("the wrong type 'int', expected type 'long'").
    const { skip } = explainable;
    return typeof skip === 'number' ? { ...explainable, skip: Long.fromNumber(skip) } : explainable;
  }
  // Our build looks a filter up by `_id` whenever it has an `_id` string or ObjectId, whatever its
  // other keys (docs/ferretdb.md, "Our build"), for find and for these commands alike.
  const asFind = (collection: unknown, filter: unknown, sort?: unknown): Document => ({
    find: collection,
    filter: filter ?? {},
    ...(sort === undefined ? {} : { sort }),
  });
  if ('count' in explainable) return asFind(explainable.count, explainable.query);
  if ('distinct' in explainable) return asFind(explainable.distinct, explainable.query);
  if ('findAndModify' in explainable) {
    return asFind(explainable.findAndModify, explainable.query, explainable.sort);
  }
  if ('update' in explainable) return asFind(explainable.update, explainable.updates?.[0]?.q);
  if ('delete' in explainable) return asFind(explainable.delete, explainable.deletes?.[0]?.q);
  return explainable;
}

/** The SQLite plan lines of a FerretDB explain answer, without their `id=… parent=… notused=…` prefix. */
function sqlitePlan(answer: Document): string[] {
  const lines = (answer.queryPlanner as Document | undefined)?.Plan;
  if (!Array.isArray(lines)) return [];
  return lines.map((line) => String(line).replace(/^id=\d+ parent=\d+ notused=\d+ detail=/, ''));
}

/**
 * FerretDB 1.24 on SQLite: indexed when the filter went to SQLite (`filterPushdown: true`, which
 * our build does for any filter with an `_id` string or ObjectId, or `$in` of them, the rest checked in Go; upstream
 * only for exactly `{_id: …}`) and SQLite looks it up (`SEARCH … USING INDEX`). Everything else
 * is read whole and filtered, and sorted, in memory.
 */
export function classifyFerretdb(shape: QueryShape, answer: Document): PlanVerdict {
  const plan = sqlitePlan(answer);
  const planText = plan.length > 0 ? plan.join('; ') : 'no plan';
  const scans = plan.filter((line) => line.startsWith('SCAN'));
  const searches = plan.filter((line) => line.startsWith('SEARCH'));
  if (answer.filterPushdown === true) {
    if (searches.length > 0 && scans.length === 0)
      return { indexed: true, reason: `filterPushdown; ${planText}` };
    return {
      indexed: false,
      reason: `filterPushdown, but SQLite does not look it up (${planText}): is this FerretDB built without the _id patch of scripts/install-ferretdb.sh?`,
    };
  }
  const sort = shape.sort ? ', sorted in memory' : '';
  return {
    indexed: false,
    reason: `no filterPushdown (FerretDB pushes down only a filter with an _id string, ObjectId, $in of them or anchored prefix regex): every document read${sort}; ${planText}`,
  };
}

/** Stages that find documents through an index, or count without reading them. */
const INDEX_STAGES = new Set([
  'IXSCAN',
  'IDHACK',
  'COUNT_SCAN',
  'DISTINCT_SCAN',
  'CLUSTERED_IXSCAN',
  'RECORD_STORE_FAST_COUNT',
]);

interface PlanNode {
  stage: string;
  detail: string;
}

/** The stages of every winning plan in an explain answer (a pipeline's `$cursor` ones included), outermost first. */
function winningStages(answer: unknown): PlanNode[] {
  const nodes: PlanNode[] = [];
  const walkPlan = (node: unknown) => {
    if (Array.isArray(node)) {
      for (const child of node) walkPlan(child);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const doc = node as Document;
    if (typeof doc.stage === 'string') {
      const detail = doc.indexName ?? (doc.keyPattern ? JSON.stringify(doc.keyPattern) : '');
      nodes.push({ stage: doc.stage, detail: typeof detail === 'string' ? detail : '' });
    }
    for (const [key, value] of Object.entries(doc)) {
      if (key === 'slotBasedPlan' || key === 'rejectedPlans') continue;
      if (value !== null && typeof value === 'object') walkPlan(value);
    }
  };
  const find = (node: unknown) => {
    if (Array.isArray(node)) {
      for (const child of node) find(child);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node as Document)) {
      if (key === 'rejectedPlans' || key === 'allPlansExecution') continue;
      if (key === 'winningPlan') walkPlan(value);
      else find(value);
    }
  };
  find(answer);
  return nodes;
}

/** `$sort` stages a pipeline runs itself, after its `$cursor` (not folded into the query's plan). */
function pipelineSorts(answer: Document): number {
  const stages = answer.stages;
  if (!Array.isArray(stages)) return 0;
  return stages.filter((stage) => stage !== null && typeof stage === 'object' && '$sort' in stage).length;
}

/**
 * MongoDB: indexed when the winning plan finds its documents through an index (IXSCAN, IDHACK,
 * EXPRESS_*, COUNT_SCAN, …) and neither reads the whole collection (COLLSCAN) nor sorts in memory
 * (a blocking SORT, or a pipeline `$sort` the query could not take over).
 */
export function classifyMongodb(answer: Document): PlanVerdict {
  const nodes = winningStages(answer);
  const planText =
    nodes.length > 0
      ? nodes.map((n) => (n.detail ? `${n.stage} ${n.detail}` : n.stage)).join(' ← ')
      : 'no plan';
  const has = (stage: string) => nodes.some((n) => n.stage === stage);
  if (nodes.length === 0) return { indexed: false, reason: 'no winning plan in the explain answer' };
  if (has('COLLSCAN')) return { indexed: false, reason: `COLLSCAN: ${planText}` };
  if (has('SORT') || pipelineSorts(answer) > 0) {
    return { indexed: false, reason: `sorted in memory (blocking SORT): ${planText}` };
  }
  if (nodes.some((n) => INDEX_STAGES.has(n.stage) || n.stage.startsWith('EXPRESS'))) {
    return { indexed: true, reason: planText };
  }
  if (nodes.every((n) => n.stage === 'EOF')) {
    return { indexed: false, reason: 'EOF: no such collection when explained, so no plan to judge' };
  }
  return { indexed: false, reason: `no index in the plan: ${planText}` };
}

/** Shape key → one line saying why that shape may scan. */
export type Allowlist = Readonly<Record<string, string>>;

export interface StaleEntry {
  key: string;
  why: string;
}

export interface AllowlistReport {
  ok: boolean;
  /** Scans the allowlist does not name. */
  unlisted: ExplainedShape[];
  /** Entries for shapes no longer seen, or seen and indexed now. */
  stale: StaleEntry[];
  /** Entries whose reason says nothing (empty, or the TODO the failure message suggests). */
  unexplained: string[];
  /** Empty when ok; otherwise the entries to add and to remove, ready to paste. */
  message: string;
}

const byShapeKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
const quote = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const TODO_REASON = 'TODO: one line saying why this may scan';

/**
 * Holds the explained shapes against the allowlist: every scan must be listed, and every entry
 * must still be true (its shape occurs, and still scans), so the list never outlives the debt.
 * `listName` is how the message refers to the list (`ALLOWLIST.ferretdb`).
 */
export function checkAllowlist(
  results: readonly ExplainedShape[],
  allowlist: Allowlist,
  listName = 'ALLOWLIST',
): AllowlistReport {
  const byKey = new Map(results.map((r) => [r.key, r]));
  const unlisted = results.filter((r) => !r.indexed && !(r.key in allowlist)).sort(byShapeKey);
  const stale: StaleEntry[] = [];
  for (const key of Object.keys(allowlist).sort()) {
    const result = byKey.get(key);
    if (!result) stale.push({ key, why: 'no longer occurs' });
    else if (result.indexed) stale.push({ key, why: `indexed now: ${result.reason}` });
  }
  const unexplained = Object.entries(allowlist)
    .filter(([, reason]) => reason.trim() === '' || reason.startsWith('TODO'))
    .map(([key]) => key);
  const ok = unlisted.length === 0 && stale.length === 0 && unexplained.length === 0;
  if (ok) return { ok, unlisted, stale, unexplained, message: '' };
  const lines = [`The query shapes are out of step with ${listName}:`];
  if (unlisted.length > 0) {
    lines.push(
      `Scans it does not list: make each indexed, or add it with one line saying why it may scan (${unlisted.length}):`,
    );
    for (const r of unlisted) lines.push(`  ${quote(r.key)}: ${quote(TODO_REASON)}, // ${r.reason}`);
  }
  if (stale.length > 0) {
    lines.push(`Entries to remove (${stale.length}):`);
    for (const s of stale) lines.push(`  ${quote(s.key)}, // ${s.why}`);
  }
  if (unexplained.length > 0) {
    lines.push(`Entries without a reason (${unexplained.length}):`);
    for (const key of unexplained) lines.push(`  ${quote(key)}`);
  }
  return { ok, unlisted, stale, unexplained, message: lines.join('\n') };
}

/** The shapes as a table: verdict, how often seen, the shape, and the reason (the allowlist's for a listed scan). */
export function shapeTable(results: readonly ExplainedShape[], allowlist: Allowlist = {}): string {
  const rows = [...results].sort(byShapeKey).map((r) => {
    const verdict = r.indexed ? 'indexed' : r.key in allowlist ? 'scan (listed)' : 'SCAN';
    return { verdict, count: String(r.count), key: r.key, reason: r.reason, listed: allowlist[r.key] };
  });
  const width = (pick: (row: (typeof rows)[number]) => string, title: string) =>
    Math.max(title.length, ...rows.map((row) => pick(row).length));
  const wVerdict = width((r) => r.verdict, 'verdict');
  const wCount = width((r) => r.count, 'n');
  const wKey = width((r) => r.key, 'shape');
  const line = (verdict: string, count: string, key: string, reason: string) =>
    `${verdict.padEnd(wVerdict)}  ${count.padStart(wCount)}  ${key.padEnd(wKey)}  ${reason}`;
  const server = results[0]?.server ?? 'no server';
  return [
    `${results.length} query shapes on ${server}`,
    line('verdict', 'n', 'shape', 'plan'),
    ...rows.map((r) => line(r.verdict, r.count, r.key, r.listed ? `${r.reason} [${r.listed}]` : r.reason)),
  ].join('\n');
}
