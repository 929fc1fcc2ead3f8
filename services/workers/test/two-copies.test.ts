import { type MongoCopies, startMongoCopies } from '@im/testkit';
import type { Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PushProgress } from '../src/repositories/push-progress.js';
import { ReadMarks } from '../src/repositories/read-marks.js';

/**
 * Two copies of the workers writing one database: each copy its own client and repositories, so
 * no in-process lock is shared. A push's counts and a student's read marks must come out as one
 * copy would have written them (docs/ferretdb.md, "Updates").
 */
let server: MongoCopies;
let dbs: [Db, Db];
const read = { maxTimeMS: 5_000 };

beforeAll(async () => {
  server = await startMongoCopies('workers_copies');
  dbs = server.dbs;
}, 120_000);

afterAll(() => server?.stop());

describe('two copies of the workers', () => {
  it("count a push's reads and its delivered students exactly", async () => {
    const copies = dbs.map((db) => new PushProgress(db, read));
    const chunks = Array.from({ length: 40 }, (_, i) => (i + 1) * 50); // delivered after each chunk
    await Promise.all([
      ...Array.from({ length: 150 }, (_, i) => copies[i % 2]!.countRead(7)),
      // The chunks' progress, in no particular order, as two copies retrying chunks would write it.
      ...chunks.map((_, i) => copies[(i * 7) % 2]!.advance(7, chunks[(i * 17) % 40]!, 2_000)),
    ]);
    expect(await copies[0]!.counts([7])).toEqual(new Map([[7, { delivered: 2_000, read: 150 }]]));
    // Never backwards: a late, smaller one changes nothing.
    await copies[1]!.advance(7, 100, 2_000);
    expect((await copies[0]!.counts([7])).get(7)?.delivered).toBe(2_000);
  });

  it('let one of two copies make a first read mark, and count it once', async () => {
    const copies = dbs.map((db) => new ReadMarks(db, read));
    const now = [new Date(1_000), new Date(2_000)];
    for (let push = 1; push <= 20; push++) {
      const marks = await Promise.all(
        copies.map((marks, i) => marks.mark('student-1', { push_id: push, seq: push }, now[i]!)),
      );
      const firsts = marks.filter((m) => m.first);
      expect({ push, firsts: firsts.length }).toEqual({ push, firsts: 1 });
      // Both answer the mark that stayed.
      expect(marks[0]!.readAt.getTime()).toBe(marks[1]!.readAt.getTime());
      await Promise.all(firsts.map(() => copies[push % 2]!.countRead('student-1')));
    }
    expect(await copies[0]!.total('student-1')).toBe(20);
  });
});
