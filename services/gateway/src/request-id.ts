import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isSafeRequestId } from '@im/bus';

/**
 * Request ids for calls that bring none: a random per-process prefix and a counter, unique across
 * copies of the gateway and far cheaper than a UUID per request.
 */
const ID_PREFIX = randomBytes(6).toString('hex');
let idCounter = 0;

export function newRequestId(): string {
  return `${ID_PREFIX}-${(idCounter++).toString(36)}`;
}

/**
 * The caller's `X-Request-Id` when it is a safe token (REQUEST_ID_PATTERN: letters, digits and
 * `. _ : @ / = + -`, at most 128), else a fresh id. The id goes into NATS headers and every log
 * line of the request, so nothing else passes (a repeated header arrives joined with `, ` and
 * fails the pattern too).
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return isSafeRequestId(given) ? given : newRequestId();
}
