import { CALLER_HEADER, type Caller, callerFromHeader, unauthenticated } from '@im/contracts';
import type { MsgHdrs } from '@nats-io/transport-node';

/**
 * Decoded callers by header value. Few distinct callers make most requests, and a decoded caller
 * depends on nothing but the header's bytes, so a repeat costs one lookup instead of a parse and a
 * schema check. Cleared when full rather than kept in LRU order: refilling costs little.
 */
const decoded = new Map<string, Caller>();
const MAX_CACHED = 10_000;

/**
 * The caller the gateway verified (or an internal service named), from `Im-Caller`. Services
 * trust this header because only the gateway and internal services may publish on `im.>` (NATS
 * permissions; see the README's security section). Missing or malformed: 401.
 */
export function callerOf(headers: MsgHdrs | undefined): Caller {
  const value = headers?.get(CALLER_HEADER);
  if (!value) throw unauthenticated(CALLER_HEADER, 'missing: every request must name its caller');
  const known = decoded.get(value);
  if (known) return known;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw unauthenticated(CALLER_HEADER, 'must be JSON');
  }
  const caller = callerFromHeader(parsed);
  if (typeof caller === 'string') throw unauthenticated(CALLER_HEADER, caller);
  if (decoded.size >= MAX_CACHED) decoded.clear();
  decoded.set(value, caller);
  return caller;
}
