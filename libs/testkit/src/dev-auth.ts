import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import type { TokenClaims } from './tokens.js';

/**
 * Tokens for a developer's own machine: the secret `npm start` gives the gateway, the callers it
 * prints a token for, and the arguments of `npm run token`.
 */
export const DEV_AUTH_SECRET_FILE = 'dev-auth-secret';

/** One caller per role, as the README's examples use them. */
export const DEV_CALLERS: readonly { label: string; claims: TokenClaims }[] = [
  { label: 'user c565 (org 1)', claims: { sub: 'c565', orgs: [1], role: 'user' } },
  { label: 'org_admin o1 (org 1)', claims: { sub: 'o1', orgs: [1], role: 'org_admin' } },
  { label: 'service svc-dev', claims: { sub: 'svc-dev', orgs: [], role: 'service' } },
];

/** 48 random bytes as hex, written once (readable by its owner only) and kept across restarts. */
export async function ensureDevAuthSecret(file: string): Promise<string> {
  if (!existsSync(file)) {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${randomBytes(48).toString('hex')}\n`, { mode: 0o600, flag: 'wx' }).catch(
      (error) => {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      },
    );
  }
  return file;
}

/** The secret tokens are minted with: AUTH_JWT_SECRET, AUTH_JWT_SECRET_FILE, else the dev file. */
export function mintingSecret(env: Record<string, string | undefined>, devFile?: string): string {
  if (env.AUTH_JWT_SECRET) return env.AUTH_JWT_SECRET;
  const file = env.AUTH_JWT_SECRET_FILE || (devFile && existsSync(devFile) ? devFile : undefined);
  if (!file) {
    throw new Error(
      `no secret to sign with: run npm start once (it writes .data/${DEV_AUTH_SECRET_FILE}) or set AUTH_JWT_SECRET`,
    );
  }
  return readFileSync(file, 'utf8').trim();
}

const ROLES = ['user', 'org_admin', 'service'];
const MAX_TTL_S = 30 * 24 * 3_600;

/** `--role user --sub c565 --orgs 1,2 --ttl 3600` → the claims and the lifetime, or an Error saying which. */
export function parseMintArgs(argv: string[]): { claims: TokenClaims; ttlS: number } | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean', default: false },
      role: { type: 'string' },
      sub: { type: 'string' },
      orgs: { type: 'string', default: '' },
      ttl: { type: 'string', default: '3600' },
    },
    strict: true,
  });
  const { help, role, sub, orgs, ttl } = values;
  if (help) return 'help';
  if (!role || !ROLES.includes(role)) throw new Error(`--role: must be one of ${ROLES.join(', ')}`);
  if (!sub || !/^[^:]{1,64}$/.test(sub))
    throw new Error("--sub: must be a client id of 1-64 characters without ':'");
  const orgIds = orgs === '' ? [] : orgs.split(',').map((o) => Number(o.trim()));
  if (!orgIds.every((id) => Number.isSafeInteger(id) && id > 0)) {
    throw new Error('--orgs: must be positive integers separated by commas, e.g. 1,2');
  }
  const ttlS = Number(ttl);
  if (!Number.isInteger(ttlS) || ttlS < 1 || ttlS > MAX_TTL_S) {
    throw new Error(`--ttl: must be whole seconds from 1 to ${MAX_TTL_S} (30 days)`);
  }
  return { claims: { sub, orgs: orgIds, role }, ttlS };
}
