import { createHmac, randomBytes } from 'node:crypto';

/**
 * The claims the gateway reads are `sub`, `orgs` and `role` (README, "Security"); anything goes in
 * as given, ill-formed claims included: tests need those too.
 */
export type TokenClaims = Record<string, unknown>;

export interface MintOptions {
  /** Seconds from now until `exp`; negative mints an expired token; null leaves `exp` out. Default 3600. */
  expiresInS?: number | null;
  /** Header fields over `{alg: 'HS256', typ: 'JWT'}` (a `kid`, say). */
  header?: Record<string, unknown>;
}

const base64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

/**
 * An HS256 JWT, built with node:crypto alone: tests and the dev tools mint tokens without the
 * gateway's verifier, so a bug in that verifier cannot agree with itself.
 */
export function mintToken(secret: string, claims: TokenClaims, options: MintOptions = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const expiresInS = options.expiresInS === undefined ? 3_600 : options.expiresInS;
  const payload = { iat: now, ...(expiresInS === null ? {} : { exp: now + expiresInS }), ...claims };
  const head = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', ...options.header }));
  const body = base64url(JSON.stringify(payload));
  const signature = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${signature}`;
}

/** A secret for HS256 tokens: 48 random bytes as hex (the gateway wants at least 32 bytes). */
export function newAuthSecret(): string {
  return randomBytes(48).toString('hex');
}

/** `Authorization` header for a token. */
export const bearer = (token: string): { authorization: string } => ({ authorization: `Bearer ${token}` });
