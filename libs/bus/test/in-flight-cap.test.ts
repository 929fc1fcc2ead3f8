import { type AppError, ErrorCode } from '@im/contracts';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeBus,
  connectBus,
  defineEndpoint,
  type NatsConnection,
  RequestClient,
  startService,
} from '../src/index.js';
import { SERVICE, silentLog } from './fixture.js';
import { type SmallNats, startNatsWithMaxPayload } from './nats-with-max-payload.js';

/**
 * A service answers at most `maxInFlight` requests at once: one more is a 503 at once, naming the
 * service, instead of queueing behind a slow dependency. Once the slow ones finish it serves again.
 */
const log = silentLog;

let nats: SmallNats;
let nc: NatsConnection;
let client: RequestClient;
let release: () => void = () => {};
let gate = Promise.resolve();
let started = 0;

beforeAll(async () => {
  nats = await startNatsWithMaxPayload(1_048_576);
  nc = await connectBus({ servers: nats.url, name: 'test', log });
  client = new RequestClient(nc, { timeoutMs: 10_000, caller: SERVICE });
  await startService(nc, {
    name: 'im-capped',
    version: '0.0.1',
    description: 'a slow service with room for two',
    log,
    maxInFlight: 2,
    endpoints: [
      defineEndpoint({
        name: 'slow',
        subject: 'test.capped.slow',
        request: Type.Object({ i: Type.Integer() }),
        handle: async ({ i }) => {
          started++;
          await gate;
          return { i };
        },
      }),
    ],
  });
});

afterAll(async () => {
  release();
  client?.close();
  if (nc) await closeBus(nc);
  await nats?.stop();
});

describe('the in-flight cap', () => {
  it('answers 503 naming the service past maxInFlight, and serves again once the slow ones end', async () => {
    gate = new Promise((resolve) => {
      release = resolve;
    });
    const outcomes = Array.from({ length: 5 }, (_, i) =>
      client.request('test.capped.slow', Buffer.from(JSON.stringify({ i }))).then(
        (bytes) => ({ ok: JSON.parse(Buffer.from(bytes).toString()) as { i: number } }),
        (error: AppError) => ({ error }),
      ),
    );
    // The three refused ones answer while the two admitted ones still wait on the gate.
    const settledEarly = await settledWithin(outcomes, 3, 3_000);
    expect(settledEarly).toHaveLength(3);
    for (const outcome of settledEarly) {
      expect('error' in outcome && outcome.error.code).toBe(ErrorCode.ServiceUnavailable);
      expect('error' in outcome && outcome.error.message).toBe(
        'the capped service is busy: 2 requests in flight; retry shortly',
      );
    }
    expect(started).toBe(2);
    release();
    const all = await Promise.all(outcomes);
    expect(all.filter((o) => 'ok' in o)).toHaveLength(2);
    const again = await client.request('test.capped.slow', Buffer.from('{"i":9}'));
    expect(JSON.parse(Buffer.from(again).toString())).toEqual({ i: 9 });
  });
});

/** The first `count` outcomes to settle, or fewer if `ms` pass first. */
async function settledWithin<T>(promises: Promise<T>[], count: number, ms: number): Promise<T[]> {
  const settled: T[] = [];
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    for (const p of promises)
      void p.then((value) => {
        settled.push(value);
        if (settled.length === count) {
          clearTimeout(timer);
          resolve();
        }
      });
  });
  return settled;
}
