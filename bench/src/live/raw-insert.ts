import type { Db } from 'mongodb';
import { median } from './stats.js';

/** What the same MongoDB-wire server does with the bare write a fan-out ends in. */
export interface RawInsertFigures {
  documents: number;
  /** Median of `runs` insertMany calls into a fresh collection, ms. */
  plainMs: number;
  /** The same into a fresh collection with the deliveries' two indexes. */
  indexedMs: number;
  runs: number;
}

/** `runs` insertMany of `documents` deliveries-shaped documents, plain then indexed, as the fanout suite does. */
export async function measureRawInsert(db: Db, documents: number, runs = 3): Promise<RawInsertFigures> {
  const plain: number[] = [];
  const indexed: number[] = [];
  for (let run = 0; run < runs; run++) {
    plain.push(await rawInsert(db, documents, false));
    indexed.push(await rawInsert(db, documents, true));
  }
  return { documents, plainMs: median(plain), indexedMs: median(indexed), runs };
}

/** One insertMany of `count` deliveries-shaped documents into a fresh collection; its duration in ms. */
export async function rawInsert(db: Db, count: number, indexed: boolean): Promise<number> {
  const collection = db.collection(`bench_raw_${indexed ? 'indexed_' : ''}${Date.now()}`);
  if (indexed) {
    await collection.createIndex({ push_id: 1, student_uid: 1 }, { unique: true });
    await collection.createIndex({ student_uid: 1, pushed_at: -1 });
  }
  const now = new Date();
  const docs = Array.from({ length: count }, (_, i) => ({
    push_id: 999_999,
    class_id: 2,
    organization_id: 1,
    student_uid: `raw-${i}`,
    message: 'bench',
    pushed_at: now,
    delivered_at: now,
  }));
  const started = performance.now();
  await collection.insertMany(docs, { ordered: false });
  const ms = performance.now() - started;
  await collection.drop();
  return ms;
}
