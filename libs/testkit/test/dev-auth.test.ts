import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureDevAuthSecret, mintingSecret, parseMintArgs } from '../src/dev-auth.js';
import { repoRoot } from '../src/repo-root.js';
import { mintToken } from '../src/tokens.js';

let dir: string;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Header, payload and whether the HS256 signature holds, checked here with node:crypto. */
function open(token: string, secret: string) {
  const [head, body, signature] = token.split('.') as [string, string, string];
  const json = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  const expected = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return { header: json(head), payload: json(body), signed: signature === expected };
}

describe('mintToken', () => {
  it('is an HS256 JWT with iat and exp around the claims', () => {
    const now = Math.floor(Date.now() / 1000);
    const token = mintToken('s'.repeat(32), { sub: 'c565', orgs: [1], role: 'user' }, { expiresInS: 60 });
    const { header, payload, signed } = open(token, 's'.repeat(32));
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(signed).toBe(true);
    expect(payload).toMatchObject({ sub: 'c565', orgs: [1], role: 'user' });
    expect(payload.exp - payload.iat).toBe(60);
    expect(Math.abs(payload.iat - now)).toBeLessThanOrEqual(1);
    expect(open(mintToken('k', {}, { expiresInS: null }), 'k').payload.exp).toBeUndefined();
  });
});

describe('dev tokens', () => {
  it('keeps one secret of 48 random bytes, readable by its owner only', async () => {
    dir = await mkdtemp(join(tmpdir(), 'testkit-auth-'));
    const file = join(dir, '.data', 'dev-auth-secret');
    await ensureDevAuthSecret(file);
    const first = readFileSync(file, 'utf8');
    expect(first.trim()).toMatch(/^[0-9a-f]{96}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await ensureDevAuthSecret(file);
    expect(readFileSync(file, 'utf8')).toBe(first);
    expect(mintingSecret({}, file)).toBe(first.trim());
    expect(mintingSecret({ AUTH_JWT_SECRET: 'inline' }, file)).toBe('inline');
    expect(() => mintingSecret({}, join(dir, 'none'))).toThrow(/^no secret to sign with/);
  });

  it('parses the mint command, naming a wrong argument', () => {
    expect(parseMintArgs(['--role', 'user', '--sub', 'c565', '--orgs', '1,2', '--ttl', '60'])).toEqual({
      claims: { sub: 'c565', orgs: [1, 2], role: 'user' },
      ttlS: 60,
    });
    expect(parseMintArgs(['--role', 'service', '--sub', 'svc'])).toEqual({
      claims: { sub: 'svc', orgs: [], role: 'service' },
      ttlS: 3600,
    });
    expect(parseMintArgs(['--help'])).toBe('help');
    const cases: [string[], RegExp][] = [
      [['--sub', 'c1'], /^--role: /],
      [['--role', 'root', '--sub', 'c1'], /^--role: /],
      [['--role', 'user'], /^--sub: /],
      [['--role', 'user', '--sub', 'a:b'], /^--sub: /],
      [['--role', 'user', '--sub', 'c1', '--orgs', '1,x'], /^--orgs: /],
      [['--role', 'user', '--sub', 'c1', '--ttl', '0'], /^--ttl: /],
      [['--role', 'user', '--sub', 'c1', '--nope'], /nope/],
    ];
    for (const [argv, message] of cases) expect(() => parseMintArgs(argv)).toThrow(message);
  });

  it('npm run token prints one token signed with the configured secret, and only that', async () => {
    dir = await mkdtemp(join(tmpdir(), 'testkit-auth-'));
    const secretFile = join(dir, 'secret');
    await writeFile(secretFile, 'f'.repeat(40));
    const run = (args: string[]) =>
      spawnSync(
        process.execPath,
        [
          '--conditions=@im/source',
          '--import',
          'tsx',
          join(repoRoot(), 'libs/testkit/src/bin/mint-token.ts'),
          ...args,
        ],
        { env: { ...process.env, AUTH_JWT_SECRET_FILE: secretFile }, encoding: 'utf8' },
      );
    const ok = run(['--role', 'org_admin', '--sub', 'o3', '--orgs', '3', '--ttl', '120']);
    expect(ok.status).toBe(0);
    const lines = ok.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const { payload, signed } = open(lines[0]!, 'f'.repeat(40));
    expect(signed).toBe(true);
    expect(payload).toMatchObject({ sub: 'o3', orgs: [3], role: 'org_admin' });
    expect(payload.exp - payload.iat).toBe(120);
    const bad = run(['--role', 'user']);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^token: --sub: /);
  });
});
