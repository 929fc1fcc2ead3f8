/**
 * A reply already encoded as JSON bytes, which a handler may return instead of an object: the
 * bus sends the bytes as they are (checked against `max_payload` like any reply). For a large
 * reply that many requests share unchanged (an organization's contacts), encoding it once saves
 * a JSON.stringify of the whole of it on every request.
 */
export class EncodedReply<T = unknown> {
  readonly bytes: Uint8Array;

  /** `T`, the reply's type, keeps what is encoded to the endpoint's contract. */
  constructor(value: T) {
    this.bytes = Buffer.from(JSON.stringify(value ?? {}) ?? '{}');
  }
}
