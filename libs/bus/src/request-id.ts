/**
 * What a request id may look like: letters, digits and `. _ : @ / = + -`, 1 to 128 of them. Ids
 * arrive from HTTP clients (`X-Request-Id`) and travel into NATS headers and every log line of a
 * request, so anything else is replaced, never passed on: UUIDs, ULIDs and trace ids fit.
 */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:@/=+-]{1,128}$/;

export function isSafeRequestId(value: unknown): value is string {
  return typeof value === 'string' && REQUEST_ID_PATTERN.test(value);
}
