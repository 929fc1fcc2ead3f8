import { type MongoHandle, startMongo } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POOL_CHECK_INTERVAL_MS } from '../src/connect.js';
import { connectMongo, type MongoStore } from '../src/index.js';

/**
 * connectMongo slows each pool's minimum-size check (every 100 ms by default, the larger part of
 * an idle service's CPU). The driver takes that interval only through its parsed options, so
 * this reads it back from the pool the driver built: a driver upgrade that stops honouring it
 * fails here instead of silently bringing the idle cost back.
 */
let server: MongoHandle | undefined;
let store: MongoStore | undefined;

beforeAll(async () => {
  server = await startMongo();
  store = await connectMongo(`${server.url}pool_check`, 'store-test');
  await store.db.command({ ping: 1 });
}, 120_000);

afterAll(async () => {
  await store?.close();
  await server?.stop();
});

interface PoolView {
  options: { minPoolSizeCheckFrequencyMS: number };
}

describe('connectMongo pool check', () => {
  it('builds every server pool with the slow check interval, not the driver default of 100 ms', () => {
    const topology = (
      store!.client as unknown as { topology?: { s: { servers: Map<string, { pool: PoolView }> } } }
    ).topology;
    const pools = [...(topology?.s.servers.values() ?? [])].map((server) => server.pool);
    expect(pools.length).toBeGreaterThan(0);
    for (const pool of pools) expect(pool.options.minPoolSizeCheckFrequencyMS).toBe(10_000);
    expect(POOL_CHECK_INTERVAL_MS).toBe(10_000);
  });
});
