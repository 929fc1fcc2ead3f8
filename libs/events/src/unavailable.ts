import { JetStreamApiError } from '@nats-io/jetstream';

/**
 * Errors that say JetStream cannot take any event right now (no answer in time, nobody serving
 * the stream while it is restored after a restart, the connection going or gone), as opposed to
 * errors about this one event (too large for max_payload, a re-apply that fails). Matched by
 * name: nats.js does not export all of these classes.
 */
const UNAVAILABLE = new Set([
  'TimeoutError',
  'NoResponders',
  'JetStreamNotEnabled',
  'ClosedConnectionError',
  'DrainingConnectionError',
  'ConnectionError',
]);

export function isUnavailable(error: unknown): boolean {
  if (error instanceof JetStreamApiError) return error.status === 503;
  if (!(error instanceof Error)) return false;
  if (UNAVAILABLE.has(error.name)) return true;
  // A RequestError wraps its reason (no responders, a timeout) as its cause.
  return error.name === 'RequestError' && isUnavailable(error.cause);
}
