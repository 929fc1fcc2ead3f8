import { MongoServerError } from 'mongodb';

/** E11000: a unique index refused the write. Our guard against doing anything twice. */
export function isDuplicateKeyError(error: unknown): boolean {
  if (error instanceof MongoServerError && error.code === 11000) return true;
  const writeErrors = (error as { writeErrors?: { code?: number }[] } | null)?.writeErrors;
  return Array.isArray(writeErrors) && writeErrors.length > 0 && writeErrors.every((e) => e.code === 11000);
}
