import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError, readSecret } from '@im/config';

export type TokenAlgorithm = 'HS256' | 'RS256' | 'ES256';

/** One key the gateway accepts tokens signed with. */
export interface VerificationKey {
  /** Where it came from, for messages: `AUTH_JWT_SECRET`, `AUTH_JWKS_FILE (kid k1)`. */
  source: string;
  algorithm: TokenAlgorithm;
  /** Set for JWKS keys: a token names its key in its header's `kid`. */
  kid?: string;
  /** The HMAC secret, or a public key as SPKI PEM (what fast-jwt takes). */
  key: string;
}

export interface AuthSettings {
  keys: VerificationKey[];
  /** When set, a token's `iss` / `aud` must be this. */
  issuer?: string;
  audience?: string;
}

type Env = Record<string, string | undefined>;

/** HS256 needs at least as many secret bytes as its hash has: shorter ones can be brute-forced. */
export const MIN_SECRET_BYTES = 32;

const SOURCES = 'AUTH_JWT_SECRET, AUTH_JWT_SECRET_FILE, AUTH_JWT_PUBLIC_KEY_FILE or AUTH_JWKS_FILE';

/**
 * The keys tokens are verified with, read and checked once at start. At least one source is
 * required: there is no switch that turns authentication off. Every problem names its variable.
 */
export function readAuthKeys(env: Env): VerificationKey[] {
  const keys: VerificationKey[] = [];
  const secret = readSecret('AUTH_JWT_SECRET', env);
  if (secret !== undefined) {
    if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
      throw new ConfigError(
        `AUTH_JWT_SECRET: must be at least ${MIN_SECRET_BYTES} bytes (e.g. openssl rand -hex 32)`,
      );
    }
    keys.push({ source: 'AUTH_JWT_SECRET', algorithm: 'HS256', key: secret });
  }
  const pemFile = env.AUTH_JWT_PUBLIC_KEY_FILE;
  if (pemFile) keys.push(pemKey(pemFile));
  const jwksFile = env.AUTH_JWKS_FILE;
  if (jwksFile) keys.push(...jwksKeys(jwksFile));
  if (keys.length === 0) {
    throw new ConfigError(`${SOURCES}: set at least one; the gateway does not run without authentication`);
  }
  return keys;
}

function readText(variable: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${variable}: cannot read ${file} (${(error as NodeJS.ErrnoException).code})`);
  }
}

function pemKey(file: string): VerificationKey {
  const text = readText('AUTH_JWT_PUBLIC_KEY_FILE', file);
  // The gateway only verifies: a private key on it would be one more place to steal it from.
  if (text.includes('PRIVATE KEY')) {
    throw new ConfigError(
      'AUTH_JWT_PUBLIC_KEY_FILE: holds a private key; give the gateway the public key only',
    );
  }
  let key: KeyObject;
  try {
    key = createPublicKey(text);
  } catch (error) {
    throw new ConfigError(`AUTH_JWT_PUBLIC_KEY_FILE: not a PEM public key (${(error as Error).message})`);
  }
  return publicKey('AUTH_JWT_PUBLIC_KEY_FILE', key, undefined);
}

function jwksKeys(file: string): VerificationKey[] {
  let set: { keys?: unknown };
  try {
    set = JSON.parse(readText('AUTH_JWKS_FILE', file)) as { keys?: unknown };
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`AUTH_JWKS_FILE: not JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(set?.keys)) throw new ConfigError('AUTH_JWKS_FILE: must be a JWK set {"keys": [...]}');
  const keys: VerificationKey[] = [];
  set.keys.forEach((jwk: JsonWebKey & { kid?: unknown; use?: unknown; alg?: unknown }, index) => {
    const where = `AUTH_JWKS_FILE: keys[${index}]`;
    if (jwk?.use !== undefined && jwk.use !== 'sig') return; // an encryption key: not ours to use
    if (typeof jwk?.kid !== 'string' || jwk.kid === '') throw new ConfigError(`${where}: needs a "kid"`);
    if (jwk.d !== undefined) throw new ConfigError(`${where}: is a private key; publish public keys only`);
    let key: KeyObject;
    try {
      key = createPublicKey({ key: jwk, format: 'jwk' });
    } catch (error) {
      throw new ConfigError(`${where}: not a usable public key (${(error as Error).message})`);
    }
    const verification = publicKey(`AUTH_JWKS_FILE (kid ${jwk.kid})`, key, jwk.kid);
    if (jwk.alg !== undefined && jwk.alg !== verification.algorithm) {
      throw new ConfigError(`${where}: alg ${String(jwk.alg)} does not fit its key; RS256 or ES256 (P-256)`);
    }
    keys.push(verification);
  });
  if (new Set(keys.map((k) => k.kid)).size !== keys.length) {
    throw new ConfigError('AUTH_JWKS_FILE: two keys share a kid');
  }
  if (keys.length === 0) throw new ConfigError('AUTH_JWKS_FILE: holds no signing key');
  return keys;
}

/** RSA (2048 bits or more) verifies RS256, an EC P-256 key ES256; nothing else is accepted. */
function publicKey(source: string, key: KeyObject, kid: string | undefined): VerificationKey {
  const details = key.asymmetricKeyDetails;
  let algorithm: TokenAlgorithm;
  if (key.asymmetricKeyType === 'rsa' && (details?.modulusLength ?? 0) >= 2048) algorithm = 'RS256';
  else if (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1') algorithm = 'ES256';
  else {
    const variable = source.split(' ')[0];
    throw new ConfigError(
      `${variable}: ${source} must be an RSA key of 2048 bits or more, or an EC P-256 key`,
    );
  }
  const pem = key.export({ type: 'spki', format: 'pem' }).toString();
  return { source, algorithm, key: pem, ...(kid === undefined ? {} : { kid }) };
}
