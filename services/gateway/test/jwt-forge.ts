import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';

/**
 * Tokens crafted by hand with node:crypto, to hold against the gateway's verifier: good ones
 * signed with RSA and EC keys, and the bad ones an attacker would try.
 */
const b64 = (value: object | string) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

const now = () => Math.floor(Date.now() / 1000);

/** Claims with an expiry an hour away, unless given. */
export const claims = (fields: Record<string, unknown>) => ({ iat: now(), exp: now() + 3_600, ...fields });

export function signHs(
  secret: string,
  payload: object,
  header: object = { alg: 'HS256', typ: 'JWT' },
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const alg = (header as { alg?: string }).alg === 'HS512' ? 'sha512' : 'sha256';
  return `${input}.${createHmac(alg, secret).update(input).digest('base64url')}`;
}

/** RS256 (PKCS#1 v1.5) or ES256 (raw r||s, as JWS wants it, not DER). */
export function signAsymmetric(
  privateKey: KeyObject,
  alg: 'RS256' | 'ES256',
  payload: object,
  kid?: string,
): string {
  const input = `${b64({ alg, typ: 'JWT', ...(kid ? { kid } : {}) })}.${b64(payload)}`;
  const signature =
    alg === 'ES256'
      ? sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' })
      : sign('sha256', Buffer.from(input), privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

/** `alg: none`, no signature: the classic forgery. */
export const unsigned = (payload: object) => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;

/** The same signature over a different payload: claims changed after signing. */
export function tamper(token: string, payload: object): string {
  const [head, , signature] = token.split('.');
  return `${head}.${b64(payload)}.${signature}`;
}

/** One character of the signature changed (not the last: its low bits may not count). */
export function flipSignature(token: string): string {
  const [head, body, signature = ''] = token.split('.');
  const at = 5;
  const swapped = signature[at] === 'A' ? 'B' : 'A';
  return `${head}.${body}.${signature.slice(0, at)}${swapped}${signature.slice(at + 1)}`;
}

export const rsaKeys = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
export const ecKeys = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
