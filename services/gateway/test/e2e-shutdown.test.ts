import { bearer, GATEWAY, type Stack, sleep, startStack } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// SIGTERM under load: a process stops taking new work, finishes what it accepted, drains NATS and
// exits 0. No request that reached a process may fail because that process was told to stop.
let stack: Stack;
/** 2xx answers received by the clients of every test here, to compare with the gateway's count. */
let successes = 0;
const KEYS = JSON.stringify({ '1': 'shutdown-key' });

beforeAll(async () => {
  stack = await startStack({
    mode: 'source',
    logLevel: 'info',
    // Two copies of the signature service: when one stops, the queue group routes to the other.
    services: [
      { name: 'signature', dir: 'services/signature' },
      { name: 'signature-2', dir: 'services/signature' },
      { name: GATEWAY, dir: 'services/gateway' },
    ],
    // Thousands of requests from one caller in a few seconds: far over the default rate limits.
    env: {
      SIGNATURE_APP_KEYS: KEYS,
      REQUEST_TIMEOUT_MS: '3000',
      RATE_LIMIT_MAX: '1000000',
      SIGNATURE_RATE_LIMIT_MAX: '1000000',
    },
  });
});
afterAll(() => stack?.stop());

interface Tally {
  statuses: Map<number, number>;
  errors: string[];
}

/** `workers` loops of sequential GETs until `until()` is true; every outcome is counted. */
async function load(url: string, workers: number, until: () => boolean): Promise<Tally> {
  const tally: Tally = { statuses: new Map(), errors: [] };
  const headers = bearer(stack.token({ sub: 'u1', orgs: [1], role: 'user' }));
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (!until()) {
        try {
          const res = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
          await res.arrayBuffer();
          tally.statuses.set(res.status, (tally.statuses.get(res.status) ?? 0) + 1);
          if (res.ok) successes++;
        } catch (error) {
          const cause = (error as { cause?: { code?: string } }).cause;
          tally.errors.push(cause?.code ?? (error as Error).message);
          await sleep(20);
        }
      }
    }),
  );
  return tally;
}

describe('graceful shutdown under load', () => {
  it('a service stopping with SIGTERM fails no request: its copy takes over, its in-flight work finishes', async () => {
    let done = false;
    const running = load(`${stack.gatewayUrl}/signature/login/1/u1`, 16, () => done);
    await sleep(1_000);
    await stack.processes.signature!.stop('SIGTERM', 10_000);
    await sleep(1_000);
    done = true;
    const tally = await running;
    expect(tally.errors).toEqual([]);
    expect([...tally.statuses.keys()]).toEqual([200]);
    expect(tally.statuses.get(200)).toBeGreaterThan(100);
    expect(stack.processes.signature!.output()).toContain('"msg":"stopped"');
  });

  it('the gateway stopping with SIGTERM answers every request it accepted, then exits cleanly', async () => {
    let done = false;
    const running = load(`${stack.gatewayUrl}/signature/login/1/u1`, 16, () => done);
    await sleep(1_000);
    const stopping = stack.processes[GATEWAY]!.stop('SIGTERM', 10_000);
    await stopping;
    await sleep(300);
    done = true;
    const tally = await running;
    // Every answer is a success, and every request the gateway answered reached its client: the
    // gateway's own count equals the successes seen here over both tests. Requests that failed
    // to connect (refused, or reset in the listen backlog as the listener closed) were never
    // accepted; a load balancer stops sending them as soon as /readyz fails.
    expect([...tally.statuses.keys()]).toEqual([200]);
    expect(tally.statuses.get(200)).toBeGreaterThan(100);
    const output = stack.processes[GATEWAY]!.output();
    expect(output).toContain('"msg":"stopped"');
    const answered = Number(/"answered":(\d+)/.exec(output)?.[1]);
    expect(answered).toBe(successes);
    for (const error of tally.errors)
      expect(['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET']).toContain(error);
  });
});
