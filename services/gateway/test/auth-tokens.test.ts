import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppKeys, startSignatureService } from '@im/signature-service';
import { mintToken, newAuthSecret } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuthKeys } from '../src/auth/keys.js';
import type { Gateway } from './helpers.js';
import { type GatewayHarness, silentLog, startGatewayHarness } from './helpers.js';
import {
  claims,
  ecKeys,
  flipSignature,
  rsaKeys,
  signAsymmetric,
  signHs,
  tamper,
  unsigned,
} from './jwt-forge.js';

/**
 * What a token must be (README, "Security"), against a gateway and a real signature service:
 * every bad token is crafted here with node:crypto, never with the verifier under test.
 */
const dir = mkdtempSync(join(tmpdir(), 'gateway-auth-'));
const rsa = rsaKeys();
const ec1 = ecKeys();
const ec2 = ecKeys();
const pemFile = join(dir, 'public.pem');
const jwksFile = join(dir, 'jwks.json');
writeFileSync(pemFile, rsa.publicKey.export({ type: 'spki', format: 'pem' }));
writeFileSync(
  jwksFile,
  JSON.stringify({
    keys: [
      { ...ec1.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'ES256' },
      { ...ec2.publicKey.export({ format: 'jwk' }), kid: 'k2' },
    ],
  }),
);

const secret = newAuthSecret();
const me = { sub: 'c565', orgs: [1], role: 'user' };
let h: GatewayHarness;

beforeAll(async () => {
  // Every key source at once: the HS256 secret, a PEM RSA key and a JWKS of two EC keys.
  const keys = readAuthKeys({
    AUTH_JWT_SECRET: secret,
    AUTH_JWT_PUBLIC_KEY_FILE: pemFile,
    AUTH_JWKS_FILE: jwksFile,
  });
  h = await startGatewayHarness(2_000, { auth: { keys } });
  await startSignatureService({
    nc: h.nc,
    log: silentLog,
    appKeys: AppKeys.parse(JSON.stringify({ '1': 'tokens-key' })),
  });
});
afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function login(authorization?: string, gateway: Gateway = h.gateway) {
  const res = await gateway.inject({
    method: 'GET',
    url: '/signature/login/1/c565',
    headers: authorization === undefined ? {} : { authorization },
  });
  return { status: res.statusCode, body: res.json(), challenge: res.headers['www-authenticate'] };
}

/** A 401 for a token that came but was refused: RFC 6750's invalid_token, with our reason. */
async function expectRefused(authorization: string, reason: string | RegExp) {
  const res = await login(authorization);
  expect(res.status).toBe(401);
  expect(res.body.error_code).toBe(1005);
  expect(res.body.msg).toMatch(typeof reason === 'string' ? `authorization: ${reason}` : reason);
  expect(res.challenge).toMatch(/^Bearer realm="im", error="invalid_token", error_description="[^"\\]+"$/);
}

describe('tokens the gateway accepts', () => {
  it('HS256 with the secret; the scheme name in any case', async () => {
    expect((await login(`Bearer ${mintToken(secret, me)}`)).status).toBe(200);
    expect((await login(`bearer ${mintToken(secret, me)}`)).status).toBe(200);
  });

  it('RS256 with the PEM public key, ES256 with a JWKS key chosen by kid', async () => {
    expect((await login(`Bearer ${signAsymmetric(rsa.privateKey, 'RS256', claims(me))}`)).status).toBe(200);
    expect((await login(`Bearer ${signAsymmetric(ec1.privateKey, 'ES256', claims(me), 'k1')}`)).status).toBe(
      200,
    );
    expect((await login(`Bearer ${signAsymmetric(ec2.privateKey, 'ES256', claims(me), 'k2')}`)).status).toBe(
      200,
    );
  });

  it('one expired a moment ago, within the clock tolerance; remembered only until then', async () => {
    // exp 3 s ago (in whole seconds), 5 s of tolerance: good for 1 to 2 more seconds, not past that.
    const token = `Bearer ${mintToken(secret, me, { expiresInS: -3 })}`;
    expect((await login(token)).status).toBe(200);
    expect((await login(token)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const late = await login(token);
    expect([late.status, late.body.msg]).toEqual([401, 'authorization: the token has expired']);
  });
});

describe('tokens the gateway refuses (401, 1005)', () => {
  it('none at all: the challenge without an error (RFC 6750 §3.1), also for another scheme', async () => {
    for (const authorization of [undefined, 'Basic YTpi', 'Token abc']) {
      const res = await login(authorization);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        error_code: 1005,
        msg: 'authorization: a bearer token is required',
        request: 'GET /signature/login/1/c565',
      });
      expect(res.challenge).toBe('Bearer realm="im"');
    }
  });

  it('expired, or not valid yet', async () => {
    await expectRefused(`Bearer ${mintToken(secret, me, { expiresInS: -60 })}`, 'the token has expired');
    await expectRefused(
      `Bearer ${mintToken(secret, { ...me, nbf: Math.floor(Date.now() / 1000) + 600 })}`,
      'the token is not valid yet',
    );
  });

  it('forged: claims changed after signing, a signature altered, another secret, another key', async () => {
    const good = mintToken(secret, me);
    await expectRefused(
      `Bearer ${tamper(good, claims({ ...me, role: 'service' }))}`,
      'the token signature is invalid',
    );
    await expectRefused(`Bearer ${flipSignature(good)}`, 'the token signature is invalid');
    await expectRefused(`Bearer ${mintToken(newAuthSecret(), me)}`, 'the token signature is invalid');
    const otherRsa = rsaKeys();
    await expectRefused(
      `Bearer ${signAsymmetric(otherRsa.privateKey, 'RS256', claims(me))}`,
      'the token signature is invalid',
    );
    // A JWKS key id with the other key's signature.
    await expectRefused(
      `Bearer ${signAsymmetric(ec2.privateKey, 'ES256', claims(me), 'k1')}`,
      'the token signature is invalid',
    );
  });

  it('alg none, an algorithm the key is not for, an unknown kid', async () => {
    await expectRefused(
      `Bearer ${unsigned(claims(me))}`,
      'the token is signed with a key this gateway does not know',
    );
    await expectRefused(
      `Bearer ${signHs(secret, claims(me), { alg: 'HS512', typ: 'JWT' })}`,
      'the token is signed with a key this gateway does not know',
    );
    // HS256 "signed" with the RSA public key as the secret: the algorithm-confusion attack.
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await expectRefused(`Bearer ${signHs(pem, claims(me))}`, 'the token signature is invalid');
    await expectRefused(
      `Bearer ${signAsymmetric(ec1.privateKey, 'ES256', claims(me), 'k9')}`,
      'the token is signed with a key this gateway does not know',
    );
  });

  it('malformed', async () => {
    for (const token of ['', 'abc', 'a.b', 'a.b.c', '....', `${mintToken(secret, me)}x.y`]) {
      await expectRefused(`Bearer ${token}`, 'the token is malformed');
    }
  });

  it('without an expiry: a leaked one would be good forever', async () => {
    await expectRefused(
      `Bearer ${mintToken(secret, me, { expiresInS: null })}`,
      'the token has no exp claim',
    );
  });

  it.each([
    [{ orgs: [1], role: 'user' }, 'sub: '],
    [{ ...me, sub: 'a:b' }, 'sub: '],
    [{ ...me, sub: 565 }, 'sub: '],
    [{ ...me, orgs: '1' }, 'orgs: '],
    [{ ...me, orgs: [{ $gt: 0 }] }, 'orgs[0]: '],
    [{ ...me, role: 'admin' }, "role: must be 'user', 'org_admin' or 'service'"],
    [{ sub: 'c565', orgs: [1] }, 'role: '],
  ])('claims of the wrong shape: %j', async (payload, problem) => {
    await expectRefused(`Bearer ${mintToken(secret, payload)}`, `the claims do not fit: ${problem}`);
  });
});

describe('a gateway with one key, an issuer and an audience', () => {
  it('refuses alg none as unsigned; wants iss and aud present and matching', async () => {
    const strict = await startGatewayHarness(2_000, {
      auth: { keys: readAuthKeys({ AUTH_JWT_SECRET: secret }), issuer: 'https://id.example', audience: 'im' },
    });
    try {
      const as = (extra: object) => `Bearer ${mintToken(secret, { ...me, ...extra })}`;
      const status = async (extra: object) => (await login(as(extra), strict.gateway)).status;
      const none = await login(
        `Bearer ${unsigned(claims({ ...me, iss: 'https://id.example', aud: 'im' }))}`,
        strict.gateway,
      );
      expect([none.status, none.body.msg]).toEqual([401, 'authorization: the token is not signed']);
      // The token reaches the gateway's own checks (no signature service here: 503 means "let through").
      expect(await status({ iss: 'https://id.example', aud: 'im' })).toBe(503);
      expect(await status({ iss: 'https://id.example', aud: ['other', 'im'] })).toBe(503);
      const refused = await login(as({ iss: 'https://evil.example', aud: 'im' }), strict.gateway);
      expect([refused.status, refused.body.msg]).toEqual([
        401,
        'authorization: the iss claim is not accepted',
      ]);
      expect((await login(as({ iss: 'https://id.example', aud: 'else' }), strict.gateway)).body.msg).toBe(
        'authorization: the aud claim is not accepted',
      );
      expect((await login(as({ aud: 'im' }), strict.gateway)).body.msg).toBe(
        'authorization: the token has no iss claim',
      );
      expect((await login(as({ iss: 'https://id.example' }), strict.gateway)).body.msg).toBe(
        'authorization: the token has no aud claim',
      );
    } finally {
      await strict.close();
    }
  });
});

describe('what needs no token', () => {
  it('health, readiness, metrics and the docs', async () => {
    const statuses: Record<string, number> = {};
    for (const url of ['/healthz', '/readyz', '/metrics', '/docs', '/docs/json', '/docs/static/index.html']) {
      statuses[url] = (await h.gateway.inject({ method: 'GET', url })).statusCode;
    }
    expect(statuses).toEqual({
      '/healthz': 200,
      '/readyz': 503, // answered, not refused: only the signature service runs here
      '/metrics': 200,
      '/docs': 200,
      '/docs/json': 200,
      '/docs/static/index.html': 302,
    });
  });

  it('unknown routes and wrong methods answer as before (404, 405): there is nothing behind them', async () => {
    const missing = await h.gateway.inject({ method: 'GET', url: '/im/nothing' });
    expect([missing.statusCode, missing.json().error_code]).toEqual([404, 1001]);
    const wrong = await h.gateway.inject({ method: 'POST', url: '/signature/login/1/c565' });
    expect([wrong.statusCode, wrong.headers.allow]).toEqual([405, 'GET']);
  });

  it('the OpenAPI document names the bearer scheme on every protected operation, and on no public one', async () => {
    const spec = (await h.gateway.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(spec.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const [path, operations] of Object.entries(
      spec.paths as Record<string, Record<string, { security?: unknown; responses: object }>>,
    )) {
      for (const operation of Object.values(operations)) {
        if (path === '/healthz' || path === '/readyz') expect(operation.security).toBeUndefined();
        else {
          expect(operation.security).toEqual([{ bearerAuth: [] }]);
          expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403', '429']));
        }
      }
    }
  });
});
