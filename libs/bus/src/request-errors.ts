import {
  AppError,
  CALLER_HEADER,
  ErrorCode,
  isErrorCode,
  REQUEST_ID_HEADER,
  serviceAnswering,
} from '@im/contracts';

/** The errors a request can end with besides the service's own, worded once here. */

export function serviceOf(subject: string): string {
  return `the ${serviceAnswering(subject)} service`;
}

export function unavailable(subject: string, why: string): AppError {
  return new AppError(ErrorCode.ServiceUnavailable, `${serviceOf(subject)} is unavailable: ${why}`);
}

/** Not connected to NATS right now (it reconnects on its own): answered at once, not after the timeout. */
export function busUnavailable(client: string): AppError {
  return new AppError(
    ErrorCode.ServiceUnavailable,
    `NATS is unavailable: ${client} is not connected to the message bus`,
  );
}

/**
 * The service may have done the work and only its answer was lost or late (a push recorded, a
 * group created): the message says so, and how to retry without doing it twice.
 */
export function timedOut(subject: string, timeoutMs: number): AppError {
  return new AppError(
    ErrorCode.UpstreamTimeout,
    `${serviceOf(subject)} did not answer within ${timeoutMs} ms; a change it was asked to make may still have been made: retry with the same Idempotency-Key where the route takes one, or read before retrying`,
  );
}

export function tooLargeForBus(bytes: number, limit: number): AppError {
  return new AppError(
    ErrorCode.PayloadTooLarge,
    `body: ${bytes} bytes, more than the message bus carries (${limit})`,
    { field: 'body', bytes, limit },
  );
}

/**
 * Bytes the request headers take in a message, as nats.js encodes them:
 * `NATS/1.0` + `\r\nName: value` per header + `\r\n\r\n`.
 */
export function headerBytes(requestId: string | undefined, caller: string | undefined): number {
  let bytes = 12;
  if (requestId) bytes += REQUEST_ID_HEADER.length + 4 + Buffer.byteLength(requestId);
  if (caller) bytes += CALLER_HEADER.length + 4 + Buffer.byteLength(caller);
  return bytes;
}

const decoder = new TextDecoder();

/**
 * Rebuilds a service's AppError from its error reply. The body (`{error_code, msg, data?}`) is
 * what counts; the headers (a printable-ASCII hint) stand in only for a body that lacks them.
 */
export function decodeServiceError(headerCode: number, headerText: string, data: Uint8Array): AppError {
  let body: { error_code?: unknown; msg?: unknown; data?: unknown } = {};
  if (data.length > 0) {
    try {
      const parsed: unknown = JSON.parse(decoder.decode(data));
      if (parsed !== null && typeof parsed === 'object') body = parsed;
    } catch {
      body = {};
    }
  }
  const code = isErrorCode(body.error_code) ? body.error_code : headerCode;
  if (!isErrorCode(code)) return new AppError(ErrorCode.ServerError, 'internal error');
  const message = typeof body.msg === 'string' && body.msg !== '' ? body.msg : headerText || 'error';
  return new AppError(code, message, body.data);
}
