import { AppError, ErrorCode } from './errors.js';

/**
 * Size limits in bytes, derived from the NATS server's `max_payload` (1 MiB by default): a value
 * accepted at the edge must still fit every message that will carry it later on the bus (a class
 * roster rides inside each class-message event, a member list inside group events and replies).
 * Checked where data enters, so nothing accepted can fail later on the bus.
 */
export const DEFAULT_MAX_PAYLOAD = 1_048_576;

/**
 * Bytes kept free in every message for what travels beside a list: headers (request id, caller,
 * msgID), the event's other fields and the longest push message (2,000 characters, up to 12,000
 * bytes once JSON-escaped).
 */
export const PAYLOAD_RESERVE = 32_768;

/** The largest JSON a list (a class roster, a member list) may take in a message. */
export function listByteBudget(maxPayload: number = DEFAULT_MAX_PAYLOAD): number {
  return Math.max(0, maxPayload - PAYLOAD_RESERVE);
}

/** UTF-8 bytes of `value` as JSON: what it costs in a message. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

/** A 413 (1011) naming the field, with its size and the limit. */
export function tooLarge(field: string, bytes: number, limit: number): AppError {
  return new AppError(
    ErrorCode.PayloadTooLarge,
    `${field}: ${bytes} bytes as JSON, more than the ${limit} bytes a message can carry`,
    { field, bytes, limit },
  );
}

/** Throws a 413 naming `field` when `value` takes more than `limit` bytes as JSON. */
export function assertFits(field: string, value: unknown, limit: number): void {
  const bytes = jsonBytes(value);
  if (bytes > limit) throw tooLarge(field, bytes, limit);
}
