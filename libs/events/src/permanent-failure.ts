/**
 * Thrown by a handler when retrying cannot help (the event contradicts itself, the store refuses
 * the document for what it is): the consumer dead-letters the message at once instead of
 * retrying it until its attempts run out.
 */
export class PermanentFailure extends Error {
  override readonly name = 'PermanentFailure';
}
