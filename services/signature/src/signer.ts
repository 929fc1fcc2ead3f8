import { AppError, ErrorCode } from '@im/contracts';
import type { AppKeys } from './app-keys.js';
import { createNonce, createTimestamp, hmacSha1Hex } from './signing.js';

export interface Signed {
  timestamp: string;
  nonce: string;
  signature: string;
}

/** Signs for known apps only; an unknown app is a 404 that names the app, not the key ring. */
export class Signer {
  constructor(readonly keys: AppKeys) {}

  sign(appId: string, message: (timestamp: string, nonce: string) => string): Signed {
    const key = this.keys.keyOf(appId);
    if (key === undefined) throw new AppError(ErrorCode.NotFound, `app_id: app "${appId}" not found`);
    const timestamp = createTimestamp();
    const nonce = createNonce();
    return { timestamp, nonce, signature: hmacSha1Hex(key, message(timestamp, nonce)) };
  }
}
