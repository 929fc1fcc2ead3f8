import { AppKeys, startSignatureService } from '@im/signature-service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Claims,
  type GatewayHarness,
  orgAdmin,
  silentLog,
  startGatewayHarness,
  user,
} from './helpers.js';

/**
 * Abuse: rate limits per caller and per address (429, 1012, Retry-After), tighter on signatures;
 * security headers; CORS from an allow-list; inputs that smuggle operators are 400s naming them.
 */
let limited: GatewayHarness;
let open: GatewayHarness;
const APP = 'https://app.example.com';

beforeAll(async () => {
  limited = await startGatewayHarness(2_000, {
    rateLimit: { max: 3, windowMs: 60_000, signatureMax: 2 },
    corsOrigins: [APP],
  });
  await startSignatureService({
    nc: limited.nc,
    log: silentLog,
    appKeys: AppKeys.parse(JSON.stringify({ '1': 'abuse-key' })),
  });
  open = await startGatewayHarness();
});
afterAll(async () => {
  await limited?.close();
  await open?.close();
});

async function get(h: GatewayHarness, url: string, as?: Claims, headers: Record<string, string> = {}) {
  const res = await h.gateway.inject({
    method: 'GET',
    url,
    headers: { ...(as ? h.auth.as(as) : {}), ...headers },
  });
  return { status: res.statusCode, body: res.json(), headers: res.headers };
}

describe('rate limits (3 a minute here, 2 for signatures)', () => {
  it('count per caller: the fourth call of one caller is a 429 with Retry-After; another caller goes on', async () => {
    const a = user('rate-a');
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await get(limited, '/healthz', a)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await get(limited, '/healthz', a);
    expect(refused.body).toMatchObject({ error_code: 1012, request: 'GET /healthz' });
    expect(refused.body.msg).toMatch(/^too many requests: at most 3 per 60 s; retry in \d+ s$/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect((await get(limited, '/healthz', user('rate-b'))).status).toBe(200);
  });

  it('count requests without a valid token per address, refused tokens included', async () => {
    const statuses = [];
    for (let i = 0; i < 2; i++) statuses.push((await get(limited, '/im/org/1/groups')).status);
    statuses.push(
      (await get(limited, '/docs/json', undefined, { authorization: 'Bearer forged.token.here' })).status,
    );
    statuses.push((await get(limited, '/healthz')).status);
    expect(statuses).toEqual([401, 401, 200, 429]);
    // A caller with a token has a bucket of its own, whatever its address.
    expect((await get(limited, '/healthz', user('rate-c'))).status).toBe(200);
  });

  it('give signatures a tighter bucket of their own, shared by the signature routes', async () => {
    const me = user('sig-1');
    const statuses = [
      (await get(limited, '/signature/login/1/sig-1', me)).status,
      (await get(limited, '/signature/conversion/1/sig-1/a:b', me)).status,
      (await get(limited, '/signature/invite/1/sig-1/conv/a', me)).status,
    ];
    expect(statuses).toEqual([200, 200, 429]);
    // The global bucket of the same caller is untouched by its signatures.
    expect((await get(limited, '/healthz', me)).status).toBe(200);
  });
});

describe('rate limits behind a proxy (TRUST_PROXY=1)', () => {
  it("count by the client's address from X-Forwarded-For, not the proxy's", async () => {
    const proxied = await startGatewayHarness(2_000, {
      rateLimit: { max: 1, windowMs: 60_000, signatureMax: 1 },
      trustProxy: 1,
    });
    try {
      const from = async (client: string) =>
        (await get(proxied, '/healthz', undefined, { 'x-forwarded-for': client })).status;
      expect([await from('203.0.113.7'), await from('203.0.113.7'), await from('203.0.113.8')]).toEqual([
        200, 429, 200,
      ]);
    } finally {
      await proxied.close();
    }
  });
});

describe('security headers', () => {
  it('on every answer, with a policy that lets nothing load from the API', async () => {
    const res = await get(open, '/signature/login/1/u1');
    expect(res.status).toBe(401);
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'strict-transport-security': expect.stringMatching(/^max-age=\d+/),
      'content-security-policy': "default-src 'none';frame-ancestors 'none'",
      'referrer-policy': 'no-referrer',
      // A signature in a shared cache would be a credential handed to the next caller.
      'cache-control': 'no-store',
    });
  });

  it('with a policy the docs page can live with', async () => {
    const res = await open.gateway.inject({ method: 'GET', url: '/docs' });
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
  });
});

describe('CORS', () => {
  it('answers allowed origins only, and their preflight without a token', async () => {
    const allowed = await get(limited, '/healthz', user('cors-1'), { origin: APP });
    expect(allowed.headers['access-control-allow-origin']).toBe(APP);
    expect(allowed.headers['access-control-allow-credentials']).toBeUndefined();
    const other = await get(limited, '/healthz', user('cors-2'), { origin: 'https://evil.example' });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();

    const preflight = await limited.gateway.inject({
      method: 'OPTIONS',
      url: '/signature/login/1/u1',
      headers: {
        origin: APP,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(APP);
    expect(String(preflight.headers['access-control-allow-headers'])).toContain('authorization');
  });

  it('is off when no origin is configured', async () => {
    const res = await get(open, '/healthz', undefined, { origin: APP });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('inputs', () => {
  const admin = orgAdmin('o1', 1);
  const post = (url: string, payload: object) =>
    open.gateway.inject({ method: 'POST', url, payload, headers: open.auth.as(admin) });

  it('an object where a value belongs is a 400 naming the field', async () => {
    const base = { group_name: 'g', member_client_ids: 'a', organization_id: 1 };
    for (const field of ['group_name', 'member_client_ids', 'organization_id'] as const) {
      const res = await post('/im/group', { ...base, [field]: { $gt: 0 } });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        error_code: 1000,
        msg: expect.stringMatching(new RegExp(`^${field}: `)),
      });
    }
  });

  it('a field the request does not have is a 400 naming it, in the body and in the query string', async () => {
    const body = await post('/im/group', {
      group_name: 'g',
      member_client_ids: 'a',
      organization_id: 1,
      $where: '1',
    });
    expect(body.json()).toMatchObject({ error_code: 1000, msg: '$where: is not a field of this request' });
    const query = await get(open, '/im/org/1/groups?page[$gt]=1', user('u1', 1));
    expect(query.status).toBe(400);
    expect(query.body).toMatchObject({ error_code: 1000, msg: 'page[$gt]: is not a field of this request' });
    const member = await get(open, '/im/group/1?client_id[$ne]=x', user('u1', 1));
    expect(member.body.msg).toBe('client_id[$ne]: is not a field of this request');
  });

  it('a body in a type no route takes is a 415 naming the types it does', async () => {
    const res = await open.gateway.inject({
      method: 'POST',
      url: '/im/group',
      payload: 'group_name=g',
      headers: { ...open.auth.as(admin), 'content-type': 'text/plain' },
    });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ error_code: 1015, msg: 'body: send application/json or form data' });
  });
});
