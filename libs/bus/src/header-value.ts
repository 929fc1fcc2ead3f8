import { safeText } from '@im/contracts';

/**
 * Text made fit for a header value, NATS or HTTP: control characters escaped (`safeText`), then
 * anything outside printable ASCII, and the quote and backslash that would end or bend a quoted
 * string (RFC 7230 `quoted-string`), replaced. A header carries a hint for people reading
 * traffic; whatever must survive intact travels in a body.
 */
export function headerValue(text: string, max = 256): string {
  return safeText(text, max).replace(/[^\x20-\x7e]|["\\]/g, (ch) => (ch === '"' ? "'" : '?'));
}
