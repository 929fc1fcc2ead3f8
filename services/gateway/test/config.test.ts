import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@im/config';
import { afterAll, describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'gateway-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = 'x'.repeat(32);
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...ec.publicKey.export({ format: 'jwk' }), kid: 'k1' };

/** The message a configuration is refused with (fails the test when it is accepted). */
function refusal(env: Record<string, string>): string {
  try {
    readConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

describe('gateway readConfig: token keys', () => {
  it('refuses to start without any key, naming every variable that would do', () => {
    expect(refusal({})).toBe(
      'AUTH_JWT_SECRET, AUTH_JWT_SECRET_FILE, AUTH_JWT_PUBLIC_KEY_FILE or AUTH_JWKS_FILE: set at least one; the gateway does not run without authentication',
    );
  });

  it('takes an HS256 secret inline or from a file, at least 32 bytes, not both', () => {
    expect(readConfig({ AUTH_JWT_SECRET: SECRET }).auth.keys).toEqual([
      { source: 'AUTH_JWT_SECRET', algorithm: 'HS256', key: SECRET },
    ]);
    expect(readConfig({ AUTH_JWT_SECRET_FILE: file('secret', `${SECRET}\n`) }).auth.keys[0]?.key).toBe(
      SECRET,
    );
    expect(refusal({ AUTH_JWT_SECRET: 'short' })).toMatch(/^AUTH_JWT_SECRET: must be at least 32 bytes/);
    expect(refusal({ AUTH_JWT_SECRET: SECRET, AUTH_JWT_SECRET_FILE: file('s2', SECRET) })).toMatch(
      /^AUTH_JWT_SECRET and AUTH_JWT_SECRET_FILE: set only one/,
    );
    expect(refusal({ AUTH_JWT_SECRET_FILE: join(dir, 'missing') })).toMatch(
      /^AUTH_JWT_SECRET_FILE: cannot read/,
    );
  });

  it('takes a PEM public key: RSA of 2048 bits or more (RS256) or EC P-256 (ES256)', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = file('rsa.pem', rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    expect(readConfig({ AUTH_JWT_PUBLIC_KEY_FILE: pem }).auth.keys[0]?.algorithm).toBe('RS256');
    const ecPem = file('ec.pem', ec.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    expect(readConfig({ AUTH_JWT_PUBLIC_KEY_FILE: ecPem }).auth.keys[0]?.algorithm).toBe('ES256');
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    const weakPem = file('weak.pem', weak.export({ type: 'spki', format: 'pem' }).toString());
    expect(refusal({ AUTH_JWT_PUBLIC_KEY_FILE: weakPem })).toMatch(/^AUTH_JWT_PUBLIC_KEY_FILE: .*2048 bits/);
    const privatePem = file(
      'private.pem',
      rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    );
    expect(refusal({ AUTH_JWT_PUBLIC_KEY_FILE: privatePem })).toMatch(
      /^AUTH_JWT_PUBLIC_KEY_FILE: holds a private key/,
    );
    expect(refusal({ AUTH_JWT_PUBLIC_KEY_FILE: file('junk.pem', 'hello') })).toMatch(
      /^AUTH_JWT_PUBLIC_KEY_FILE: not a PEM public key/,
    );
  });

  it('takes a JWKS file of public signing keys, each with its own kid', () => {
    const jwks = file('jwks.json', JSON.stringify({ keys: [jwk, { kty: 'oct', use: 'enc', k: 'abc' }] }));
    expect(readConfig({ AUTH_JWKS_FILE: jwks }).auth.keys).toMatchObject([
      { source: 'AUTH_JWKS_FILE (kid k1)', algorithm: 'ES256', kid: 'k1' },
    ]);
    const cases: [unknown, RegExp][] = [
      ['not json', /^AUTH_JWKS_FILE: not JSON/],
      [{ nope: [] }, /^AUTH_JWKS_FILE: must be a JWK set/],
      [{ keys: [] }, /^AUTH_JWKS_FILE: holds no signing key/],
      [{ keys: [{ ...jwk, kid: undefined }] }, /^AUTH_JWKS_FILE: keys\[0\]: needs a "kid"/],
      [
        { keys: [{ ...ec.privateKey.export({ format: 'jwk' }), kid: 'p' }] },
        /^AUTH_JWKS_FILE: keys\[0\]: is a private key/,
      ],
      [{ keys: [{ ...jwk, alg: 'RS256' }] }, /^AUTH_JWKS_FILE: keys\[0\]: alg RS256 does not fit/],
      [{ keys: [jwk, jwk] }, /^AUTH_JWKS_FILE: two keys share a kid/],
      [{ keys: [{ kty: 'EC', kid: 'x' }] }, /^AUTH_JWKS_FILE: keys\[0\]: not a usable public key/],
    ];
    for (const [content, message] of cases) {
      const path = file('case.json', typeof content === 'string' ? content : JSON.stringify(content));
      expect(refusal({ AUTH_JWKS_FILE: path })).toMatch(message);
    }
  });

  it('keeps every source given, with the issuer and audience', () => {
    const jwks = file('one.json', JSON.stringify({ keys: [jwk] }));
    const config = readConfig({
      AUTH_JWT_SECRET: SECRET,
      AUTH_JWKS_FILE: jwks,
      AUTH_JWT_ISSUER: 'https://id.example',
      AUTH_JWT_AUDIENCE: 'im',
    });
    expect(config.auth.keys.map((k) => k.algorithm)).toEqual(['HS256', 'ES256']);
    expect(config.auth).toMatchObject({ issuer: 'https://id.example', audience: 'im' });
  });
});

describe('gateway readConfig: abuse limits', () => {
  it('has generous rate limits by default, tighter on signatures, and no CORS origin', () => {
    const config = readConfig({ AUTH_JWT_SECRET: SECRET });
    expect(config.rateLimit).toEqual({
      max: 1_200,
      windowMs: 60_000,
      signatureMax: 300,
      flushMs: 250,
      replicas: 1,
    });
    expect(config.corsOrigins).toEqual([]);
    expect(config.trustProxy).toBe(0);
  });

  it('reads limits and an allow-list of exact origins', () => {
    const config = readConfig({
      AUTH_JWT_SECRET: SECRET,
      RATE_LIMIT_MAX: '50000',
      SIGNATURE_RATE_LIMIT_MAX: '9000',
      CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
    });
    expect(config.rateLimit.max).toBe(50_000);
    expect(config.rateLimit.signatureMax).toBe(9_000);
    expect(config.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
    for (const bad of ['*', 'https://app.example.com/path', 'app.example.com', 'ftp://x.example']) {
      expect(refusal({ AUTH_JWT_SECRET: SECRET, CORS_ORIGINS: bad })).toMatch(/^CORS_ORIGINS: /);
    }
    expect(refusal({ AUTH_JWT_SECRET: SECRET, RATE_LIMIT_MAX: '0' })).toMatch(/RATE_LIMIT_MAX/);
  });
});

describe('gateway readConfig: live notification streams', () => {
  it('pings every 15 s, holds 10,000 streams, and issues tickets for 60 s by default', () => {
    expect(readConfig({ AUTH_JWT_SECRET: SECRET }).streams).toEqual({
      pingMs: 15_000,
      maxOpen: 10_000,
      ticketTtlS: 60,
      replicas: 1,
    });
  });

  it('reads its settings, and keeps a ticket to a minute at most', () => {
    const config = readConfig({
      AUTH_JWT_SECRET: SECRET,
      STREAM_PING_MS: '5000',
      STREAM_MAX_OPEN: '300',
      STREAM_TICKET_TTL_S: '10',
      JETSTREAM_REPLICAS: '3',
    });
    expect(config.streams).toEqual({ pingMs: 5_000, maxOpen: 300, ticketTtlS: 10, replicas: 3 });
    expect(refusal({ AUTH_JWT_SECRET: SECRET, STREAM_TICKET_TTL_S: '61' })).toMatch(
      /STREAM_TICKET_TTL_S: .*less or equal to 60/,
    );
    expect(refusal({ AUTH_JWT_SECRET: SECRET, STREAM_MAX_OPEN: '0' })).toMatch(/STREAM_MAX_OPEN: /);
  });
});
