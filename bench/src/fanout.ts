import { startStack } from '@im/testkit';
import { type Db, MongoClient } from 'mongodb';
import { FanoutWatch } from './live/fanout-watch.js';
import { rawInsert } from './live/raw-insert.js';
import { median } from './live/stats.js';
import { fmt } from './report.js';
import type { Check, Suite, SuiteResult } from './suite.js';
import { renderTable } from './table.js';

/** How long one fan-out may take before the suite gives up on it. */
const FANOUT_TIMEOUT_MS = 120_000;

/**
 * Class fan-out: a push to a class of 2,000 students through the whole system (HTTP → gateway →
 * broadcast service → outbox → JetStream → workers → MongoDB), timed from the 201 to the last
 * delivery written, next to a raw insertMany of as many documents into the same server in the same
 * run. The ratio says what the pipeline costs over the bare write it ends in.
 */
export interface FanoutFigures {
  students: number;
  /** Measured pushes (each on its own class: once a day per class); figures are their medians. */
  runs: number;
  /** From the 201 to the workers' line saying the last delivery was written. */
  fanoutMs: number;
  /**
   * From sending the request to that line. Stricter: the event is published before the 201 is
   * sent, so the workers may start writing while the broadcast service still answers.
   */
  requestToDoneMs: number;
  deliveriesPerSecond: number;
  /** One insertMany of `students` deliveries-shaped documents into a fresh collection. */
  rawInsertMs: number;
  rawDocsPerSecond: number;
  /** The same into a fresh collection with the deliveries' two indexes: the write's own cost. */
  indexedInsertMs: number;
  /** fan-out deliveries/s ÷ raw insertMany docs/s. */
  ratio: number;
}

export interface FanoutOptions {
  students?: number;
  runs?: number;
  /** `dist` (npm run bench, after the build) or `source` (through tsx, for development). */
  mode?: 'dist' | 'source';
  progress?: (message: string) => void;
}

/** What was agreed: the fan-out writes at least half as fast as a raw insert of the same documents. */
const MIN_RATIO = 0.5;
const POLL_MS = 10;
const SERVICES = [
  { name: 'broadcast', dir: 'services/broadcast' },
  { name: 'workers', dir: 'services/workers' },
  { name: 'gateway', dir: 'services/gateway' },
];

export async function runFanoutBench(options: FanoutOptions = {}): Promise<FanoutFigures> {
  const students = options.students ?? 2_000;
  const runs = options.runs ?? 3;
  const progress = options.progress ?? (() => {});
  const fannedOut = new FanoutWatch();
  progress(`starting NATS, MongoDB, broadcast, workers, gateway (${options.mode ?? 'dist'})`);
  const stack = await startStack({
    mode: options.mode ?? 'dist',
    services: SERVICES,
    logLevel: 'warn',
    // The workers log one line per fan-out, after its last write and before its ack: that line is
    // the finish line. Polling the collection instead would measure FerretDB's full scans.
    serviceEnv: { workers: { LOG_LEVEL: 'info' } },
    onLine: (service, line) => {
      if (service === 'workers') fannedOut.read(line);
    },
  });
  authorization = `Bearer ${stack.token({ sub: 'bench', orgs: [], role: 'service' }, { expiresInS: 3_600 })}`;
  const client = new MongoClient(stack.mongoUrl, { retryWrites: false });
  try {
    await client.connect();
    const db = client.db();
    // A warm-up push first (JIT, connections, the consumer's first pull), on its own class.
    progress(`warm-up push to a class of ${students}`);
    await createClass(stack.gatewayUrl, db, 1, students);
    await fannedOut.wait((await pushTimed(stack.gatewayUrl, 1)).pushId, FANOUT_TIMEOUT_MS);

    const fanouts: number[] = [];
    const requestToDone: number[] = [];
    const raws: number[] = [];
    const indexed: number[] = [];
    for (let run = 1; run <= runs; run++) {
      progress(`measured push ${run}/${runs} to a class of ${students}, then raw insertMany`);
      const classId = 1 + run;
      await createClass(stack.gatewayUrl, db, classId, students);
      const { pushId, sent, at } = await pushTimed(stack.gatewayUrl, classId);
      const done = await fannedOut.wait(pushId, FANOUT_TIMEOUT_MS);
      fanouts.push(done - at);
      requestToDone.push(done - sent);
      await expectDelivered(db, pushId, students);
      raws.push(await rawInsert(db, students, false));
      indexed.push(await rawInsert(db, students, true));
    }
    const fanoutMs = median(fanouts);
    const rawInsertMs = median(raws);
    const deliveriesPerSecond = students / (fanoutMs / 1_000);
    const rawDocsPerSecond = students / (rawInsertMs / 1_000);
    return {
      students,
      runs,
      fanoutMs,
      requestToDoneMs: median(requestToDone),
      deliveriesPerSecond,
      rawInsertMs,
      rawDocsPerSecond,
      indexedInsertMs: median(indexed),
      ratio: deliveriesPerSecond / rawDocsPerSecond,
    };
  } finally {
    await client.close();
    await stack.stop();
  }
}

/** The directory system (admin routes) and the push are a service's: the bench plays the backend. */
let authorization = '';

async function request(url: string, method: string, body?: unknown) {
  const response = await fetch(url, {
    method,
    headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

/** Through the admin endpoint (a directory event), then waits for the broadcast projection. */
async function createClass(gatewayUrl: string, db: Db, classId: number, count: number): Promise<void> {
  const student_uids = Array.from({ length: count }, (_, i) => `bench-${classId}-${i}`);
  const res = await request(`${gatewayUrl}/im/admin/classes/${classId}`, 'PUT', {
    organization_id: 1,
    name: `bench class ${classId}`,
    active: true,
    student_uids,
  });
  if (res.status !== 202) throw new Error(`PUT class ${classId}: status ${res.status}`);
  const classes = db.collection('directory_classes');
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    if ((await classes.findOne({ class_id: classId }))?.event_id === res.json.event_id) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`class ${classId} was not projected within 60 s`);
}

async function pushTimed(gatewayUrl: string, classId: number) {
  const sent = performance.now();
  const res = await request(`${gatewayUrl}/im/org/${classId}/message`, 'POST', { message: 'bench' });
  const at = performance.now();
  if (res.status !== 201) throw new Error(`push to class ${classId}: status ${res.status}`);
  return { pushId: res.json.push_history_record_id as number, sent, at };
}

/** After the clock has stopped: the figures count only if every student really has one delivery. */
async function expectDelivered(db: Db, pushId: number, count: number): Promise<void> {
  const written = await db.collection('deliveries').countDocuments({ push_id: pushId });
  if (written !== count) throw new Error(`push ${pushId}: ${written} deliveries for ${count} students`);
}

export function renderFanout(f: FanoutFigures): string {
  return renderTable(
    ['what', 'documents', 'ms', 'documents/s'],
    [
      ['fan-out: 201 → last delivery', fmt(f.students), fmt(f.fanoutMs, 1), fmt(f.deliveriesPerSecond)],
      [
        'push request sent → last delivery',
        fmt(f.students),
        fmt(f.requestToDoneMs, 1),
        fmt(f.students / (f.requestToDoneMs / 1_000)),
      ],
      ['raw insertMany', fmt(f.students), fmt(f.rawInsertMs, 1), fmt(f.rawDocsPerSecond)],
      [
        'insertMany, deliveries indexes',
        fmt(f.students),
        fmt(f.indexedInsertMs, 1),
        fmt(f.students / (f.indexedInsertMs / 1_000)),
      ],
    ],
  );
}

function checks(f: FanoutFigures): Check[] {
  return [
    {
      name: `fan-out of ${fmt(f.students)} / raw insertMany (docs/s)`,
      value: `${f.ratio.toFixed(2)}× (${fmt(f.deliveriesPerSecond)} vs ${fmt(f.rawDocsPerSecond)})`,
      goal: `≥ ${MIN_RATIO.toFixed(2)}×`,
      pass: f.ratio >= MIN_RATIO,
    },
    {
      name: 'same, counted from the push request (stricter)',
      value: `${(f.rawInsertMs / f.requestToDoneMs).toFixed(2)}×`,
      goal: `≥ ${MIN_RATIO.toFixed(2)}×`,
      pass: f.rawInsertMs / f.requestToDoneMs >= MIN_RATIO,
    },
  ];
}

/** For bench/src/main.ts: add `fanout` to SUITES. Its figures print here; the ratio is its check. */
export const fanout: Suite = {
  name: 'class fan-out',
  async run({ progress }): Promise<SuiteResult> {
    const figures = await runFanoutBench({ progress });
    console.log(
      `== class fan-out == (${fmt(figures.students)} students; medians of ${figures.runs} pushes)\n\n${renderFanout(figures)}\n`,
    );
    return { suite: this.name, runs: [], checks: checks(figures), errors: [] };
  },
};
