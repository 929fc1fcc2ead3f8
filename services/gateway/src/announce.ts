import { randomUUID } from 'node:crypto';
import { busUnavailable, loggableError } from '@im/bus';
import { AppError, DirectoryEventAccepted, ErrorBody, ErrorCode, Streams } from '@im/contracts';
import { RequestError } from '@nats-io/transport-node';
import type { FastifyInstance } from 'fastify';
import { requireService } from './plugins/app/auth.js';

/**
 * The other kind of route (next to `forward`): one that announces rather than asks. The directory
 * admin routes publish a directory event to JetStream and answer 202 with its id; the owning
 * service's projection applies it shortly after. Only a `service` caller may announce, and it is
 * refused before its body is validated: a caller that may not publish learns nothing of the rules.
 */
export const announcing = { preValidation: requireService };

/** The longest wait for the stream's acknowledgement before the answer is a 503. */
const PUBLISH_TIMEOUT_MS = 5_000;

/** What every announcing route may answer. */
export const announceResponses = { 202: DirectoryEventAccepted, 400: ErrorBody, 503: ErrorBody };

/** A fresh event id and the time it happened, for the event a route is about to announce. */
export function newEvent(): { event_id: string; occurred_at: string } {
  return { event_id: randomUUID(), occurred_at: new Date().toISOString() };
}

/**
 * Stored by the stream, or a 503: an admin call must not look accepted when it was not. The event
 * id is the JetStream `msgID`, so a repeat within the stream's duplicate window is dropped. The
 * gateway creates no stream, nor do the services that consume it (group, broadcast): DIRECTORY
 * is the directory's, provisioned on its side (`im-ensure-streams`). Until it is, no stream binds
 * the subject and the server answers "no responders" at once, so that case is a quick 503 too,
 * not a wait for the timeout.
 */
export async function announce(
  app: FastifyInstance,
  subject: string,
  payload: { event_id: string },
): Promise<DirectoryEventAccepted> {
  // A publish while NATS is away would wait out JetStream's timeout: say so at once instead.
  if (!app.bus.connected) throw busUnavailable('the gateway');
  try {
    await app.jetstream.publish(subject, JSON.stringify(payload), {
      msgID: payload.event_id,
      timeout: PUBLISH_TIMEOUT_MS,
    });
  } catch (error) {
    if (noStream(error)) {
      app.log.warn(
        { subject, stream: Streams.directory.name },
        'directory event not published: no stream stores it (the group and broadcast services create it at start)',
      );
    } else {
      app.log.warn({ err: loggableError(error), subject }, 'directory event not published');
    }
    throw new AppError(
      ErrorCode.ServiceUnavailable,
      `the event stream ${Streams.directory.name} is unavailable; try again`,
    );
  }
  return { event_id: payload.event_id };
}

/** No stream binds the subject: JetStream reports the server's "no responders" as its cause. */
function noStream(error: unknown): boolean {
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof RequestError && cause.isNoResponders();
}
