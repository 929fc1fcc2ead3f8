import {
  AppError,
  type Caller,
  compileValidator,
  ErrorCode,
  invalidParameter,
  REQUEST_ID_HEADER,
} from '@im/contracts';
import type { Logger } from '@im/log';
import { handlerDuration, handlerErrors } from '@im/metrics';
import { type Service, type ServiceMsg, Svcm } from '@nats-io/services';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Static, TSchema } from '@sinclair/typebox';
import { callerOf } from './caller.js';
import { InFlight } from './in-flight.js';

export interface HandlerContext {
  requestId: string;
  /**
   * Who asks: the caller the gateway verified, or the internal service that sent the request.
   * Every endpoint needs one; a request without it is refused (401) before the handler runs.
   */
  caller: Caller;
  /** A child logger carrying the request id. */
  log: Logger;
}

export interface Endpoint<S extends TSchema = TSchema> {
  /** A simple token, shown in `$SRV` INFO and STATS. */
  name: string;
  subject: string;
  /** What a request must look like; anything else is answered with a 400 naming the field. */
  request: S;
  handle(request: Static<S>, ctx: HandlerContext): unknown;
}

/** Keeps the request type of each endpoint tied to its schema at the definition site. */
export function defineEndpoint<S extends TSchema>(endpoint: Endpoint<S>): Endpoint<S> {
  return endpoint;
}

export interface ServiceSettings {
  name: string;
  version: string;
  description: string;
  log: Logger;
  // biome-ignore lint/suspicious/noExplicitAny: endpoints of different request types share one list
  endpoints: Endpoint<any>[];
}

/**
 * Starts a nats.js micro-service: discoverable through `$SRV`, and every endpoint in the default
 * queue group so more copies mean more capacity. nats.js only turns synchronous throws into error
 * replies; every handler here runs through `answer`, which also covers rejected promises.
 */
export async function startService(nc: NatsConnection, settings: ServiceSettings): Promise<RunningService> {
  const { name, version, description, log, endpoints } = settings;
  const service = await new Svcm(nc).add({ name, version, description });
  const inFlight = new InFlight();
  for (const endpoint of endpoints) {
    const validate = compileValidator(endpoint.request);
    service.addEndpoint(endpoint.name, {
      subject: endpoint.subject,
      handler: (_err, msg) => {
        inFlight.track(answer(msg, log, (body, ctx) => endpoint.handle(validate(body), ctx)));
      },
    });
  }
  log.info({ service: name, endpoints: endpoints.map((e) => e.subject) }, 'service started');
  return {
    service,
    async stop(graceMs = 10_000) {
      await service.stop();
      await inFlight.settled(graceMs);
    },
  };
}

export interface RunningService {
  service: Service;
  /** Stops taking requests, then waits (up to `graceMs`) for the ones being answered. */
  stop(graceMs?: number): Promise<void>;
}

const decoder = new TextDecoder();

async function answer(
  msg: ServiceMsg,
  log: Logger,
  run: (body: unknown, ctx: HandlerContext) => unknown,
): Promise<void> {
  const requestId = msg.headers?.get(REQUEST_ID_HEADER) || '-';
  const ctx = new Context(requestId, msg.subject, log);
  const started = performance.now();
  try {
    ctx.caller = callerOf(msg.headers);
    const result = await run(parseJson(msg.data), ctx);
    msg.respond(JSON.stringify(result ?? {}));
    const subject = msg.subject;
    handlerDuration.observe(
      subject,
      () => ({ subject, outcome: 'ok' }),
      (performance.now() - started) / 1000,
    );
  } catch (error) {
    const appError = toAppError(error, ctx.log);
    msg.respondError(appError.code, appError.message, JSON.stringify(appError.toBody()));
    const code = String(appError.code);
    const subject = msg.subject;
    handlerDuration.observe(
      `${subject} ${code}`,
      () => ({ subject, outcome: code }),
      (performance.now() - started) / 1000,
    );
    handlerErrors.inc({ subject: msg.subject, code });
  }
}

/** The request's logger is built only when a handler logs: most requests never do. */
class Context implements HandlerContext {
  #log: Logger | undefined;
  /** Set before the handler runs; a request without a caller never reaches it. */
  caller!: Caller;

  constructor(
    readonly requestId: string,
    readonly subject: string,
    readonly parent: Logger,
  ) {}

  get log(): Logger {
    // The caller's id goes on every line a handler writes: who did what is the first audit question.
    this.#log ??= this.parent.child({
      reqId: this.requestId,
      subject: this.subject,
      caller: this.caller?.sub,
    });
    return this.#log;
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

/** Known errors travel as they are; anything else is logged here and leaves as a bare 500. */
export function toAppError(error: unknown, log: Logger): AppError {
  if (error instanceof AppError) {
    if (error.status >= 500) log.warn({ code: error.code, err: error.message }, 'request failed');
    return error;
  }
  log.error({ err: error }, 'unhandled error in handler');
  return new AppError(ErrorCode.ServerError, 'internal error');
}
