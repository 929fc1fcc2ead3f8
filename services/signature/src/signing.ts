import { createHmac, randomFillSync } from 'node:crypto';

/**
 * The pure part of LeanCloud realtime signing: the signed strings, the HMAC, the nonce and the
 * timestamp. Keys are passed in and never kept or logged here.
 */

export type MemberAction = 'invite' | 'kick';

export function loginString(appId: string, clientId: string, timestamp: string, nonce: string): string {
  return `${appId}:${clientId}::${timestamp}:${nonce}`;
}

export function conversationString(
  appId: string,
  clientId: string,
  sortedMemberIds: string,
  timestamp: string,
  nonce: string,
): string {
  return `${appId}:${clientId}:${sortedMemberIds}:${timestamp}:${nonce}`;
}

export function memberActionString(
  appId: string,
  clientId: string,
  conversationId: string,
  sortedMemberIds: string,
  timestamp: string,
  nonce: string,
  action: MemberAction,
): string {
  return `${appId}:${clientId}:${conversationId}:${sortedMemberIds}:${timestamp}:${nonce}:${action}`;
}

/** HMAC-SHA1 keyed by the app's master key, lowercase hex: what LeanCloud verifies. */
export function hmacSha1Hex(key: string, message: string): string {
  return createHmac('sha1', key).update(message).digest('hex');
}

/**
 * Members as LeanCloud expects them: each once, in ascending order. Ids are strings and compare
 * as strings (code-unit order, the order of JavaScript's default sort), so `10` sorts before `9`.
 */
export function normalizeMemberIds(list: string): string {
  if (list === '') return '';
  return [...new Set(list.split(':'))].sort().join(':');
}

const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Bytes at or above this would make some characters likelier than others, so they are skipped. */
const UNBIASED_LIMIT = 256 - (256 % NONCE_ALPHABET.length);
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomByte(): number {
  if (poolOffset >= pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  return pool[poolOffset++]!;
}

/** 8 characters of [A-Za-z0-9] from the operating system's cryptographic source. */
export function createNonce(length = 8): string {
  let nonce = '';
  while (nonce.length < length) {
    const byte = randomByte();
    if (byte < UNBIASED_LIMIT) nonce += NONCE_ALPHABET[byte % NONCE_ALPHABET.length];
  }
  return nonce;
}

/**
 * How the signed timestamp is written. LeanCloud's SDKs carry it as an integer (a `long`): its
 * older pages give Unix seconds, newer ones milliseconds. `fraction` is what the old system wrote
 * (`"1450166986.392033"`), for clients built against its document; an integer-parsing SDK cannot
 * carry it.
 */
export const TIMESTAMP_FORMATS = ['seconds', 'milliseconds', 'fraction'] as const;
export type TimestampFormat = (typeof TIMESTAMP_FORMATS)[number];

/**
 * The timestamp to sign, as a string of digits (the reply shows the same string). `nowMs` is
 * Unix milliseconds, `Date.now()`: integer arithmetic only, so no float rounding can change a
 * digit; `fraction` shows the milliseconds padded to the old six decimals.
 */
export function createTimestamp(format: TimestampFormat = 'seconds', nowMs: number = Date.now()): string {
  const ms = Math.floor(nowMs);
  const seconds = Math.floor(ms / 1000);
  switch (format) {
    case 'seconds':
      return String(seconds);
    case 'milliseconds':
      return String(ms);
    case 'fraction':
      return `${seconds}.${String(ms - seconds * 1000).padStart(3, '0')}000`;
  }
}
