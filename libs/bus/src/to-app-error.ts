import { AppError, ErrorCode } from '@im/contracts';
import type { Logger } from '@im/log';
import { isDatabaseUnavailable } from './database-errors.js';
import { loggableError } from './loggable-error.js';

/**
 * Known errors travel as they are; a database that does not answer is a 503 naming the
 * service's database; anything else is logged here and leaves as a bare 500. Each failure is
 * logged here once (5xx only: a 4xx is the caller's business, not the operator's).
 * `service` is the short name messages use (`group`).
 */
export function toAppError(error: unknown, log: Logger, service?: string): AppError {
  if (error instanceof AppError) {
    if (error.status >= 500) log.warn({ code: error.code, err: error.message }, 'request failed');
    return error;
  }
  if (isDatabaseUnavailable(error)) {
    log.warn({ err: loggableError(error) }, 'database unavailable');
    const whose = service === undefined ? 'the' : `the ${service} service's`;
    return new AppError(ErrorCode.ServiceUnavailable, `${whose} database is unavailable`);
  }
  log.error({ err: loggableError(error) }, 'unhandled error in handler');
  return new AppError(ErrorCode.ServerError, 'internal error');
}
