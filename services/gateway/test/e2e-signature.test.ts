import { createHmac } from 'node:crypto';
import { bearer, type Stack, startStack } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The whole system as separate processes (nats-server, MongoDB-wire server, services, gateway)
// over real HTTP: what `npm start` runs.
const KEY = 'e2e-master-key';
const TIMEOUT_MS = 1_500;
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    mode: 'source',
    logLevel: 'warn',
    env: { SIGNATURE_APP_KEYS: JSON.stringify({ '7': KEY }), REQUEST_TIMEOUT_MS: String(TIMEOUT_MS) },
  });
});
afterAll(() => stack?.stop());

describe('the running system', () => {
  it('is ready and signs a login over HTTP', async () => {
    const ready = await fetch(`${stack.gatewayUrl}/readyz`);
    expect(ready.status).toBe(200);
    const res = await fetch(`${stack.gatewayUrl}/signature/login/7/c565`, {
      headers: bearer(stack.token({ sub: 'c565', orgs: [1], role: 'user' })),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { timestamp: string; nonce: string; signature: string };
    const expected = createHmac('sha1', KEY).update(`7:c565::${body.timestamp}:${body.nonce}`).digest('hex');
    expect(body.signature).toBe(expected);
  });

  it('answers 503 within the request timeout once the signature service is gone, never hanging', async () => {
    await stack.processes.signature!.stop();
    const started = Date.now();
    const res = await fetch(`${stack.gatewayUrl}/signature/login/7/c565`, {
      headers: bearer(stack.token({ sub: 'c565', orgs: [1], role: 'user' })),
      signal: AbortSignal.timeout(10_000),
    });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error_code: number; msg: string };
    expect(body.error_code).toBe(1013);
    expect(body.msg).toContain('signature service is unavailable');
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1_000);
    const ready = await fetch(`${stack.gatewayUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { services: Record<string, boolean> }).services['im-signature']).toBe(
      false,
    );
  });
});
