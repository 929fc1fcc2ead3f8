import { AppError, compileValidator, DEFAULT_MAX_PAYLOAD, ErrorCode } from '@im/contracts';
import type { Logger } from '@im/log';
import { handlerErrors } from '@im/metrics';
import { type Service, type ServiceMsg, Svcm } from '@nats-io/services';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Static, TSchema } from '@sinclair/typebox';
import { type Answering, answer } from './answer.js';
import { respondWithError } from './error-reply.js';
import type { HandlerContext } from './handler-context.js';
import { InFlight } from './in-flight.js';
import { loggableError } from './loggable-error.js';

export type { HandlerContext } from './handler-context.js';

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

/** Handlers one service process runs at once unless told otherwise (MAX_IN_FLIGHT's default). */
export const DEFAULT_MAX_IN_FLIGHT = 512;

export interface ServiceSettings {
  /** As `$SRV` shows it: `im-group`. Messages use it without the `im-` prefix (`group`). */
  name: string;
  version: string;
  description: string;
  log: Logger;
  // biome-ignore lint/suspicious/noExplicitAny: endpoints of different request types share one list
  endpoints: Endpoint<any>[];
  /**
   * Requests this process handles at once, all endpoints together (MAX_IN_FLIGHT). One more is
   * answered 503 at once, naming the service, instead of queueing behind a slow dependency:
   * memory stays bounded, and the caller (or another copy) can retry. Default 512.
   */
  maxInFlight?: number;
}

/**
 * Starts a nats.js micro-service: discoverable through `$SRV`, and every endpoint in the default
 * queue group so more copies mean more capacity. nats.js only turns synchronous throws into error
 * replies; every handler here runs through `answer`, which catches everything else too, so one bad
 * message never ends the process.
 */
export async function startService(nc: NatsConnection, settings: ServiceSettings): Promise<RunningService> {
  const { name, version, description, log, endpoints } = settings;
  const maxInFlight = settings.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  const service = await new Svcm(nc).add({ name, version, description });
  const inFlight = new InFlight();
  const answering: Answering = {
    log,
    service: shortName(name),
    // Known only while connected; the default is what a server without the setting carries.
    maxPayload: () => nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD,
  };
  for (const endpoint of endpoints) {
    const validate = compileValidator(endpoint.request);
    const run = (body: unknown, ctx: HandlerContext) => endpoint.handle(validate(body), ctx);
    service.addEndpoint(endpoint.name, {
      subject: endpoint.subject,
      handler: (_err, msg) => {
        // Nothing may escape into nats.js's subscription callback: it would end the process.
        try {
          if (inFlight.count >= maxInFlight) refuseBusy(msg, answering, inFlight.count);
          else inFlight.track(answer(msg, run, answering));
        } catch (error) {
          log.error({ err: loggableError(error), subject: endpoint.subject }, 'could not take the request');
        }
      },
    });
  }
  // The subscriptions are written to the socket later; after the flush's round trip the server
  // has them, so a request sent once this resolves (the `ready` line) finds its responder
  // instead of an instant "no responders" 503.
  await nc.flush();
  log.info({ service: name, endpoints: endpoints.map((e) => e.subject), maxInFlight }, 'service started');
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

/** `im-group` → `group`, the name people read in messages. */
function shortName(name: string): string {
  return name.replace(/^im-/, '');
}

/** Over the cap: a 503 at once, without decoding the request. Not logged per request (a flood). */
function refuseBusy(msg: ServiceMsg, { service, maxPayload }: Answering, count: number): void {
  const error = new AppError(
    ErrorCode.ServiceUnavailable,
    `the ${service} service is busy: ${count} requests in flight; retry shortly`,
  );
  handlerErrors.inc({ subject: msg.subject, code: String(error.code) });
  respondWithError(msg, error, maxPayload());
}
