import { AppError, ErrorCode, invalidParameter, REQUEST_ID_HEADER } from '@im/contracts';
import type { Logger } from '@im/log';
import { handlerDuration, handlerErrors } from '@im/metrics';
import type { ServiceMsg } from '@nats-io/services';
import { callerOf } from './caller.js';
import { EncodedReply } from './encoded-reply.js';
import { respondWithError } from './error-reply.js';
import { Context, type HandlerContext } from './handler-context.js';
import { loggableError } from './loggable-error.js';
import { isSafeRequestId } from './request-id.js';
import { toAppError } from './to-app-error.js';

export interface Answering {
  log: Logger;
  /** The short name messages use: `group`. */
  service: string;
  /** The server's `max_payload` now: a reply larger than it cannot be sent. */
  maxPayload(): number;
}

export type Run = (body: unknown, ctx: HandlerContext) => unknown;

const decoder = new TextDecoder();

/**
 * Answers one request, and never throws or rejects: whatever fails while decoding, checking the
 * caller, validating, handling, encoding the result (a BigInt, a cycle) or sending the reply (too
 * large, a closed connection) is logged once and answered as an error; when even the error reply
 * cannot be sent, that is logged and the process moves on to the next message.
 */
export async function answer(msg: ServiceMsg, run: Run, settings: Answering): Promise<void> {
  const started = performance.now();
  let ctx: Context | undefined;
  try {
    const header = msg.headers?.get(REQUEST_ID_HEADER);
    ctx = new Context(isSafeRequestId(header) ? header : '-', msg.subject, settings.log);
    ctx.caller = callerOf(msg.headers);
    const result = await run(parseJson(msg.data), ctx);
    const reply = encodeReply(result, settings);
    msg.respond(reply);
    observe(msg.subject, 'ok', started);
  } catch (error) {
    const log = ctx?.log ?? settings.log;
    const appError = toAppError(error, log, settings.service);
    try {
      respondWithError(msg, appError, settings.maxPayload());
    } catch (replyError) {
      log.error({ err: loggableError(replyError), code: appError.code }, 'could not send the error reply');
    }
    observeError(msg.subject, appError.code, started);
  }
}

function parseJson(data: Uint8Array): unknown {
  if (data.length === 0) return {};
  try {
    return JSON.parse(decoder.decode(data));
  } catch {
    throw invalidParameter('body', 'must be JSON');
  }
}

/**
 * The handler's result as JSON that fits the bus (an EncodedReply as it is). A reply that cannot
 * be sent is a 500 whose message (logged once, by toAppError) says how large it was.
 */
function encodeReply(result: unknown, { service, maxPayload }: Answering): string | Uint8Array {
  const limit = maxPayload();
  const tooLarge = (bytes: number) =>
    new AppError(
      ErrorCode.ServerError,
      `the ${service} service's reply is too large: ${bytes} bytes, more than the message bus carries (${limit})`,
    );
  if (result instanceof EncodedReply) {
    if (result.bytes.length > limit) throw tooLarge(result.bytes.length);
    return result.bytes;
  }
  const reply = JSON.stringify(result ?? {}) ?? '{}';
  // Most replies are far below the limit: count bytes only when the characters could exceed it.
  if (reply.length * 3 > limit) {
    const bytes = Buffer.byteLength(reply);
    if (bytes > limit) throw tooLarge(bytes);
  }
  return reply;
}

function observe(subject: string, outcome: string, started: number): void {
  handlerDuration.observe(
    outcome === 'ok' ? subject : `${subject} ${outcome}`,
    () => ({ subject, outcome }),
    (performance.now() - started) / 1000,
  );
}

function observeError(subject: string, code: number, started: number): void {
  const outcome = String(code);
  observe(subject, outcome, started);
  handlerErrors.inc({ subject, code: outcome });
}
