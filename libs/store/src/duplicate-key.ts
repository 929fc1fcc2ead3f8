import { MongoServerError } from 'mongodb';

/** E11000: a unique index refused the write. Our guard against doing anything twice. */
export function isDuplicateKeyError(error: unknown): boolean {
  // A bulk write error carries the code of its first write error only: judge it by all of them.
  const writeErrors = (error as { writeErrors?: { code?: number }[] } | null)?.writeErrors;
  if (Array.isArray(writeErrors) && writeErrors.length > 0) return writeErrors.every((e) => e.code === 11000);
  return error instanceof MongoServerError && error.code === 11000;
}
