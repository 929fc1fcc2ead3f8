import type { AppError } from '@im/contracts';
import type { ServiceMsg } from '@nats-io/services';
import { headerValue } from './header-value.js';

/**
 * Sends `error` as a service error reply. The body (`{error_code, msg, data?}`) is what the
 * request client rebuilds the error from; the `Nats-Service-Error` header only carries a
 * printable-ASCII hint (nats.js throws on CR/LF in a header, which used to end the process).
 * Data that cannot be encoded (a BigInt, a cycle) or would not fit the bus is left out rather
 * than losing the whole answer. May still throw (a closed connection): the caller logs that.
 */
export function respondWithError(msg: ServiceMsg, error: AppError, maxPayload: number): void {
  msg.respondError(error.code, headerValue(error.message), encodeErrorBody(error, maxPayload));
}

/** Room kept for the two error headers beside the body. */
const ERROR_HEADERS_ROOM = 512;

function encodeErrorBody(error: AppError, maxPayload: number): string {
  const bare = JSON.stringify({ error_code: error.code, msg: error.message });
  if (error.data === undefined) return bare;
  let full: string | undefined;
  try {
    full = JSON.stringify(error.toBody());
  } catch {
    return bare;
  }
  return Buffer.byteLength(full) + ERROR_HEADERS_ROOM > maxPayload ? bare : full;
}
