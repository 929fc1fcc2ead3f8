import { type Caller, callerFromClaims, encodeCaller } from '@im/contracts';
import { TOKEN_ERROR_CODES as CODES, createVerifier } from 'fast-jwt';
import type { AuthSettings, VerificationKey } from './keys.js';
import { VerifiedTokens } from './verified-tokens.js';

/** A verified token: the caller, and its `Im-Caller` header value, encoded once per token. */
export interface Authenticated {
  caller: Caller;
  header: string;
  /** When the token stops being accepted (epoch ms): what outlives a request (a stream) ends then. */
  expiresAt: number;
}

/** Why a token was refused, in words fit for `WWW-Authenticate: ... error_description="..."`. */
export class TokenRejected extends Error {
  override readonly name = 'TokenRejected';
}

/** Issuers' clocks drift a little; more than this would stretch every token's lifetime. */
const CLOCK_TOLERANCE_MS = 5_000;
/** Verified tokens remembered, how long at most, and the longest one worth keeping. */
const CACHED_TOKENS = 10_000;
const CACHE_AT_MOST_MS = 10 * 60_000;
const CACHED_TOKEN_MAX_LENGTH = 2_048;

type Verify = (token: string) => unknown;

/**
 * Builds the one function the hot path calls per request. fast-jwt verifies (signature, `exp`,
 * `nbf`, `iss`, `aud`, only the key's own algorithm, so `alg: none` and algorithm confusion are
 * refused), the claims are checked against the Caller schema and encoded for `Im-Caller`, and
 * the outcome is remembered by token until the token expires (verified-tokens.ts).
 */
export function createTokenVerifier(settings: AuthSettings): (token: string) => Authenticated {
  const byKey = new Map<VerificationKey, Verify>();
  for (const key of settings.keys) {
    byKey.set(
      key,
      createVerifier({
        key: key.key,
        algorithms: [key.algorithm],
        cache: false, // verified-tokens.ts is the cache
        clockTolerance: CLOCK_TOLERANCE_MS,
        // A token without an expiry would stay good forever once leaked; fast-jwt checks iss and
        // aud only when present, so a configured one is also required.
        requiredClaims: ['exp', ...(settings.issuer ? ['iss'] : []), ...(settings.audience ? ['aud'] : [])],
        ...(settings.issuer ? { allowedIss: settings.issuer } : {}),
        ...(settings.audience ? { allowedAud: settings.audience } : {}),
      }),
    );
  }
  const only = byKey.size === 1 ? [...byKey.values()][0] : undefined;
  const verified = new VerifiedTokens<Authenticated>(CACHED_TOKENS, CACHED_TOKEN_MAX_LENGTH);

  return (token) => {
    const now = Date.now();
    const known = verified.get(token, now);
    if (known) return known;
    const verify = only ?? chooseKey(settings.keys, byKey, token);
    let payload: { exp?: unknown } | null;
    try {
      payload = verify(token) as { exp?: unknown } | null;
    } catch (error) {
      throw new TokenRejected(describe(error));
    }
    if (payload === null || typeof payload !== 'object') throw new TokenRejected('the token is malformed');
    const caller = callerFromClaims(payload);
    if (typeof caller === 'string') throw new TokenRejected(`the claims do not fit: ${caller}`);
    const expiresAt = Number(payload.exp) * 1_000 + CLOCK_TOLERANCE_MS;
    const outcome = { caller, header: encodeCaller(caller), expiresAt };
    verified.set(token, outcome, Math.min(expiresAt, now + CACHE_AT_MOST_MS));
    return outcome;
  };
}

/** With several keys, the header says which: `kid` for a JWKS key, else the algorithm. */
function chooseKey(
  keys: readonly VerificationKey[],
  byKey: Map<VerificationKey, Verify>,
  token: string,
): Verify {
  let header: { alg?: unknown; kid?: unknown };
  try {
    header = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'));
  } catch {
    throw new TokenRejected('the token is malformed');
  }
  const key =
    typeof header.kid === 'string'
      ? keys.find((k) => k.kid === header.kid)
      : keys.find((k) => k.kid === undefined && k.algorithm === header.alg);
  if (!key) throw new TokenRejected('the token is signed with a key this gateway does not know');
  return byKey.get(key)!;
}

const REASONS: Partial<Record<string, string>> = {
  [CODES.expired]: 'the token has expired',
  [CODES.inactive]: 'the token is not valid yet',
  [CODES.invalidSignature]: 'the token signature is invalid',
  [CODES.missingSignature]: 'the token is not signed',
  [CODES.invalidAlgorithm]: 'the token algorithm is not accepted',
  [CODES.malformed]: 'the token is malformed',
  [CODES.invalidType]: 'the token is malformed',
  [CODES.invalidPayload]: 'the token is malformed',
};

/** fast-jwt's reasons in our words; a claim it refused is named (`the iss claim is not accepted`). */
function describe(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const reason = code === undefined ? undefined : REASONS[code];
  if (reason) return reason;
  const claim = /\bThe (\w+) claim\b/.exec(message ?? '')?.[1];
  if (code === CODES.missingRequiredClaim && claim) return `the token has no ${claim} claim`;
  if (claim && code?.startsWith('FAST_JWT_')) return `the ${claim} claim is not accepted`;
  return 'the token is invalid';
}
