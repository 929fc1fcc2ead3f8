import { AppError, encodeCaller } from '@im/contracts';
import { createLogger } from '@im/log';
import { Type } from '@sinclair/typebox';
import { expect } from 'vitest';
import { defineEndpoint, type Endpoint, type NatsConnection, startService } from '../src/index.js';

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

/** `im.group.echo`: answers `{length}` of the string it is sent. */
const groupEcho = defineEndpoint({
  name: 'echo',
  subject: 'im.group.echo',
  request: Type.Object({ s: Type.String() }),
  handle: async ({ s }) => ({ length: s.length }),
});

/**
 * A service named `im-group` on `nc` (so errors name "the group service"), with `im.group.echo`
 * and whatever `endpoints` a test adds.
 */
// biome-ignore lint/suspicious/noExplicitAny: endpoints of any request schema, as startService takes them
export function startGroupStandIn(nc: NatsConnection, endpoints: readonly Endpoint<any>[] = []) {
  return startService(nc, {
    name: 'im-group',
    version: '0.0.1',
    description: 'stands in for the group service',
    log: silentLog,
    endpoints: [groupEcho, ...endpoints],
  });
}
