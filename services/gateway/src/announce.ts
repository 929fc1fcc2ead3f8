import { randomUUID } from 'node:crypto';
import { busUnavailable, loggableError } from '@im/bus';
import { AppError, DirectoryEventAccepted, ErrorBody, ErrorCode } from '@im/contracts';
import type { FastifyInstance } from 'fastify';
import { requireService } from './plugins/app/auth.js';

/**
 * The other kind of route (next to `forward`): one that announces rather than asks. The directory
 * admin routes publish a directory event to JetStream and answer 202 with its id; the owning
 * service's projection applies it shortly after. Only a `service` caller may announce, and it is
 * refused before its body is validated: a caller that may not publish learns nothing of the rules.
 */
export const announcing = { preValidation: requireService };

/** What every announcing route may answer. */
export const announceResponses = { 202: DirectoryEventAccepted, 400: ErrorBody, 503: ErrorBody };

/** A fresh event id and the time it happened, for the event a route is about to announce. */
export function newEvent(): { event_id: string; occurred_at: string } {
  return { event_id: randomUUID(), occurred_at: new Date().toISOString() };
}

/** Stored by the stream, or a 503: an admin call must not look accepted when it was not. */
export async function announce(
  app: FastifyInstance,
  subject: string,
  payload: { event_id: string },
): Promise<DirectoryEventAccepted> {
  // A publish while NATS is away would wait out JetStream's timeout: say so at once instead.
  if (!app.bus.connected) throw busUnavailable('the gateway');
  try {
    await app.events.publish({ id: payload.event_id, subject, payload });
  } catch (error) {
    app.log.warn({ err: loggableError(error), subject }, 'directory event not published');
    throw new AppError(ErrorCode.ServiceUnavailable, 'the event stream is unavailable; try again');
  }
  return { event_id: payload.event_id };
}
