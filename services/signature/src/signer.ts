import { AppError, ErrorCode, quote } from '@im/contracts';
import type { AppKeys } from './app-keys.js';
import { createNonce, createTimestamp, hmacSha1Hex, type TimestampFormat } from './signing.js';

export interface Signed {
  timestamp: string;
  nonce: string;
  signature: string;
}

/** Signs for known apps only; an unknown app is a 404 that names the app, not the key ring. */
export class Signer {
  constructor(
    readonly keys: AppKeys,
    readonly timestampFormat: TimestampFormat = 'seconds',
  ) {}

  /** Refuses an unknown app before anything else is asked (a group look-up costs a round trip). */
  assertKnownApp(appId: string): string {
    const key = this.keys.keyOf(appId);
    if (key === undefined) throw new AppError(ErrorCode.NotFound, `app_id: app ${quote(appId)} not found`);
    return key;
  }

  sign(appId: string, message: (timestamp: string, nonce: string) => string): Signed {
    const key = this.assertKnownApp(appId);
    const timestamp = createTimestamp(this.timestampFormat);
    const nonce = createNonce();
    return { timestamp, nonce, signature: hmacSha1Hex(key, message(timestamp, nonce)) };
  }
}
