import {
  type ChildHandle,
  ferretdbArgs,
  findOnPath,
  freePort,
  makeTempDir,
  mongoAnswers,
  removeTempDir,
  startProcess,
} from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMongo, type MongoStore } from '../src/index.js';

/**
 * A store that stops answering must fail requests, not hold them: with the server frozen
 * (SIGSTOP: connected, silent), an operation fails after the operation timeout and one waiting
 * for the only pooled connection fails after the wait-queue timeout. Without those limits both
 * would wait forever, each holding its request's memory. Our own server, so that freezing it
 * disturbs no other test.
 */
const TIMEOUT_MS = 500;
const binary = findOnPath('ferretdb') ?? findOnPath('mongod');

let server: ChildHandle | undefined;
let dir: string | undefined;
let store: MongoStore | undefined;
let frozen = false;

beforeAll(async () => {
  if (!binary) throw new Error('needs ferretdb (.tools/bin, see README) or mongod on PATH');
  dir = await makeTempDir('im-store-timeouts-');
  const port = await freePort();
  const args = binary.endsWith('mongod')
    ? ['--dbpath', dir, '--port', String(port), '--bind_ip', '127.0.0.1', '--quiet']
    : ferretdbArgs(dir, port);
  const url = `mongodb://127.0.0.1:${port}/`;
  server = await startProcess({
    name: 'mongo-wire',
    command: binary,
    args,
    ready: { poll: () => mongoAnswers(url) },
  });
  store = await connectMongo(`${url}timeouts`, 'store-test', 'timeouts', {
    timeoutMs: TIMEOUT_MS,
    maxPoolSize: 1,
  });
  await store.db.collection('docs').insertOne({ _id: 1 as never, n: 1 });
}, 120_000);

afterAll(async () => {
  if (server && frozen) process.kill(server.pid, 'SIGCONT');
  await store?.close().catch(() => {});
  await server?.stop();
  if (dir) await removeTempDir(dir);
});

/** How an operation ended, and when, or `hung` if it had not by `ms`. */
async function outcome(
  work: Promise<unknown>,
  ms: number,
): Promise<{ error?: Error; hung?: true; took: number }> {
  const started = Date.now();
  const hung = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), ms).unref());
  const result = await Promise.race([
    work.then(
      () => ({}),
      (error: Error) => ({ error }),
    ),
    hung.then(() => ({ hung: true as const })),
  ]);
  return { ...result, took: Date.now() - started };
}

describe('connectMongo time limits', () => {
  it('fail an operation on a frozen server after the timeout, and one queued for the pool after the wait-queue timeout', async () => {
    const docs = store!.db.collection('docs');
    expect(await docs.countDocuments({})).toBe(1);
    process.kill(server!.pid, 'SIGSTOP');
    frozen = true;
    const holding = outcome(docs.findOne({ n: 1 }), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const queued = await outcome(docs.findOne({ n: 1 }), 10_000);
    const held = await holding;
    process.kill(server!.pid, 'SIGCONT');
    frozen = false;

    expect(queued.hung).toBeUndefined();
    expect(queued.error?.name).toBe('MongoWaitQueueTimeoutError');
    expect(queued.took).toBeLessThan(TIMEOUT_MS * 4);
    // The operation holding the connection times out on its socket (timeout + 1 s of grace); the
    // driver retries a read once, and the retry then waits for a connection to the frozen server.
    expect(held.hung).toBeUndefined();
    expect(['MongoNetworkTimeoutError', 'MongoWaitQueueTimeoutError']).toContain(held.error?.name);
    expect(held.took).toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(held.took).toBeLessThan(2 * TIMEOUT_MS + 1_000 + 2_000);
  });

  it('serves again once the server answers', async () => {
    const docs = store!.db.collection('docs');
    let count: number | undefined;
    for (let attempt = 0; attempt < 20 && count === undefined; attempt++) {
      count = await docs.countDocuments({}).catch(async () => {
        await new Promise((resolve) => setTimeout(resolve, 200));
        return undefined;
      });
    }
    expect(count).toBe(1);
  });

  it('hands the operation limit to repositories as maxTimeMS', () => {
    expect(store!.maxTimeMS).toBe(TIMEOUT_MS);
  });
});
