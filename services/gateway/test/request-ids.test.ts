import { defineEndpoint, REQUEST_ID_PATTERN, startService } from '@im/bus';
import { LoginSignatureRequest, ServiceNames, SignatureSubjects } from '@im/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayHarness, silentLog, startGatewayHarness, user } from './helpers.js';

/**
 * A request id goes into NATS headers and every log line of a request: the caller's
 * X-Request-Id is kept only when it is a safe token, and anything else is replaced by a fresh id,
 * both in the answer and in what the service receives. A stand-in signature service echoes the
 * id it was given.
 */
let h: GatewayHarness;

beforeAll(async () => {
  h = await startGatewayHarness();
  await startService(h.nc, {
    name: ServiceNames.signature,
    version: '0.0.1',
    description: 'echoes the request id it received',
    log: silentLog,
    endpoints: [
      defineEndpoint({
        name: 'login',
        subject: SignatureSubjects.login,
        request: LoginSignatureRequest,
        handle: async (_request, ctx) => ({ received: ctx.requestId }),
      }),
    ],
  });
});
afterAll(async () => {
  await h?.close();
});

async function login(requestId: string) {
  const res = await h.gateway.inject({
    method: 'GET',
    url: '/signature/login/1/u1',
    headers: { 'x-request-id': requestId, ...h.auth.as(user('u1')) },
  });
  expect(res.statusCode).toBe(200);
  return { answered: res.headers['x-request-id'] as string, received: res.json().received as string };
}

describe('request ids', () => {
  it('keep a safe X-Request-Id, end to end', async () => {
    for (const id of [
      'abc-123',
      '0b5c8a4e-1b7e-4c59-9a4f-2f3c1f0e9d11',
      'Root=1-5759e988-bd86:req/7@gw.a_b+c',
    ]) {
      expect(await login(id)).toEqual({ answered: id, received: id });
    }
  });

  it('replace anything else with a fresh id, end to end', async () => {
    const hostile = [
      'a b',
      'x'.repeat(129),
      'evil\u001b[31mred',
      'line\u2028break',
      'tab\there',
      '"quoted"',
      'semi;colon',
      '班级',
      '*',
    ];
    const seen = new Set<string>();
    for (const id of hostile) {
      const { answered, received } = await login(id);
      expect(answered).not.toBe(id);
      expect(answered).toMatch(REQUEST_ID_PATTERN);
      expect(received).toBe(answered);
      seen.add(answered);
    }
    expect(seen.size).toBe(hostile.length);
  });
});
