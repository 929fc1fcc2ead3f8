import { AppError, encodeCaller } from '@im/contracts';
import { createLogger } from '@im/log';
import { expect } from 'vitest';

/** What the bus tests share: a quiet logger, an internal caller, and the error a request ends with. */
export const silentLog = createLogger({ name: 'test', level: 'silent' });

/** Requests come as an internal service would send them; authorization has its own tests. */
export const SERVICE = encodeCaller({ sub: 'svc-test', orgs: [], role: 'service' });

/** The AppError `promise` rejects with; fails the test when it resolves or rejects otherwise. */
export async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected the request to fail');
}
