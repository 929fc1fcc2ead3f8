import { BSON, MongoInvalidArgumentError, MongoServerError } from 'mongodb';

/**
 * Server error codes that refuse a document for what it is: the same write fails the same way
 * however often it is retried (bad value, wrong type, a field name the store rejects, too large).
 */
const REFUSED_FOR_WHAT_IT_IS = new Set([2, 14, 52, 55, 56, 57, 10334, 17280, 17419]);

/**
 * Whether a projection's write failed in a way retrying cannot fix, so the event is better
 * dead-lettered at once than retried until its attempts run out. Anything else (the store down,
 * a timeout, a write conflict) is worth the retries.
 */
export function isUnfixable(error: unknown): boolean {
  if (error instanceof MongoServerError) return REFUSED_FOR_WHAT_IT_IS.has(Number(error.code));
  return error instanceof BSON.BSONError || error instanceof MongoInvalidArgumentError;
}
