import { type Static, Type } from '@sinclair/typebox';
import { QUOTE_MAX, safeText } from './quote.js';

/**
 * The one error family of the system. Codes 1000–1008 and 7xxx are the old system's; the rest were
 * added for failures it never reported (a dependency down, a timeout, limits).
 */
export const ErrorCode = {
  InvalidParameter: 1000,
  NotFound: 1001,
  AuthFailed: 1005,
  ServerError: 1007,
  IllegalOperation: 1008,
  MethodNotAllowed: 1010,
  PayloadTooLarge: 1011,
  TooManyRequests: 1012,
  ServiceUnavailable: 1013,
  UpstreamTimeout: 1014,
  UnsupportedMediaType: 1015,
  Conflict: 1016,
  GroupNotFound: 7003,
  ClassAlreadyPushed: 7007,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** HTTP status of each code: the single place where error codes meet HTTP. */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  [ErrorCode.InvalidParameter]: 400,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.AuthFailed]: 401,
  [ErrorCode.ServerError]: 500,
  [ErrorCode.IllegalOperation]: 403,
  [ErrorCode.MethodNotAllowed]: 405,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.TooManyRequests]: 429,
  [ErrorCode.ServiceUnavailable]: 503,
  [ErrorCode.UpstreamTimeout]: 504,
  [ErrorCode.UnsupportedMediaType]: 415,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.GroupNotFound]: 404,
  [ErrorCode.ClassAlreadyPushed]: 409,
};

/** Codes a caller may retry as they are: the failure was the system's state, not the request. */
const RETRYABLE: ReadonlySet<number> = new Set([
  ErrorCode.ServiceUnavailable,
  ErrorCode.UpstreamTimeout,
  ErrorCode.TooManyRequests,
]);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'number' && value in ERROR_STATUS;
}

/** The body of every error answer, over HTTP and over NATS. */
export const ErrorBody = Type.Object({
  error_code: Type.Integer({ description: 'the error family code, e.g. 1000 invalid parameter' }),
  msg: Type.String({ description: 'what went wrong, starting with the field when one is to blame' }),
  request: Type.Optional(Type.String({ description: 'method and path, e.g. "POST /im/group"' })),
  data: Type.Optional(Type.Unknown()),
});
export type ErrorBody = Static<typeof ErrorBody>;

/**
 * Every error of the system. Its message is made safe once, here (control characters escaped, at
 * most MESSAGE_MAX code points), whatever input it repeats: messages go into NATS headers, log
 * lines and HTTP bodies. Call sites still `quote()` the values they repeat, to keep them short.
 */
export class AppError extends Error {
  override readonly name = 'AppError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly data?: unknown,
  ) {
    super(safeText(message));
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }

  toBody(request?: string): ErrorBody {
    const body: ErrorBody = { error_code: this.code, msg: this.message };
    if (request !== undefined) body.request = request;
    if (this.data !== undefined) body.data = this.data;
    return body;
  }
}

/**
 * A 400 whose message starts with the field it is about, as every validation message does. The
 * field's name can be input too (an unknown key), so it is escaped and cut like a quoted value.
 */
export function invalidParameter(field: string, rule: string): AppError {
  const name = safeText(field, QUOTE_MAX);
  return new AppError(ErrorCode.InvalidParameter, `${name}: ${rule}`, { field: name });
}

export function notFound(what: string, code: ErrorCode = ErrorCode.NotFound): AppError {
  return new AppError(code, `${what} not found`);
}
