import { closeBus, connectBus } from '@im/bus';
import { type NatsHandle, pollUntil, startNats } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../src/server.js';
import { type Gateway, orgAdmin, service, silentLog, type TestAuth, testAuth } from './helpers.js';

/**
 * With NATS gone, the gateway answers 503 naming NATS once the reconnect grace (1.5 s) is over,
 * instead of waiting out REQUEST_TIMEOUT_MS (30 s here) for a 504. A behavioural bound: the
 * answer must come long before the timeout, not fast for its own sake.
 */
const REQUEST_TIMEOUT_MS = 30_000;
let nats: NatsHandle;
let gateway: Gateway;
let auth: TestAuth;
let gatewayNc: Awaited<ReturnType<typeof connectBus>>;

beforeAll(async () => {
  nats = await startNats();
  auth = testAuth();
  gatewayNc = await connectBus({ servers: nats.url, name: 'test-gateway', log: silentLog });
  gateway = await buildServer({
    nc: gatewayNc,
    log: silentLog,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    bodyLimit: 1_048_576,
    auth: auth.settings,
  });
});
afterAll(async () => {
  await gateway?.close();
  if (gatewayNc) await closeBus(gatewayNc);
  await nats?.stop();
});

describe('NATS down', () => {
  it.skipIf(process.env.NATS_URL)('answers 503 naming NATS well before the request timeout', async () => {
    await nats.stop();
    // The connection notices at once (its socket closes); the clock runs from the server's exit.
    const started = Date.now();
    expect(await pollUntil(async () => !gateway.bus.connected, Date.now() + 5_000, undefined, 20)).toBe(true);
    const res = await gateway.inject({
      method: 'GET',
      url: '/im/org/1/groups',
      headers: auth.as(orgAdmin('o1', 1)),
    });
    const took = Date.now() - started;
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      error_code: 1013,
      msg: 'NATS is unavailable: the gateway is not connected to the message bus',
      request: 'GET /im/org/1/groups',
    });
    expect(took).toBeLessThan(5_000);
    // Announcing routes do not wait for JetStream's timeout either.
    const announced = await gateway.inject({
      method: 'DELETE',
      url: '/im/admin/classes/7',
      headers: auth.as(service()),
    });
    expect(announced.statusCode).toBe(503);
    expect(announced.json().msg).toMatch(/^NATS is unavailable/);
    expect((await gateway.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
  });
});
