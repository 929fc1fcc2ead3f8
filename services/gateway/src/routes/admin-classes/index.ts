import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AdminClassAccepted,
  AppError,
  ClassPathParams,
  ClassUpsertBody,
  type DirectoryClassDeleted,
  DirectoryClassSubjects,
  type DirectoryClassUpserted,
  ErrorBody,
  ErrorCode,
} from '@im/contracts';
import type { OutgoingEvent } from '@im/events';
import type { FastifyInstance } from 'fastify';
import { requireService } from '../../plugins/app/auth.js';

const errors = { 400: ErrorBody, 503: ErrorBody };
/** Before the body is validated: a caller that may not publish learns nothing about the input rules. */
const serviceOnly = { preValidation: requireService };

/** Stored by the stream, or a 503: an admin call must not look accepted when it was not. */
async function announce(app: FastifyInstance, event: OutgoingEvent): Promise<{ event_id: string }> {
  try {
    await app.events.publish(event);
  } catch (error) {
    app.log.warn({ err: error, subject: event.subject }, 'directory event not published');
    throw new AppError(ErrorCode.ServiceUnavailable, 'the event stream is unavailable; try again');
  }
  return { event_id: event.id };
}

/**
 * `PUT|DELETE /im/admin/classes/<class_id>`: for directory systems that speak HTTP rather than
 * NATS. Each call publishes one directory class event and answers 202 with its id; the broadcast
 * service applies it to its projection shortly after (no request/reply: the event is the contract).
 */
const adminClasses: FastifyPluginAsyncTypebox = async (app) => {
  app.put(
    '/im/admin/classes/:class_id',
    {
      ...serviceOnly,
      schema: {
        params: ClassPathParams,
        body: ClassUpsertBody,
        response: { 202: AdminClassAccepted, ...errors },
      },
    },
    async (request, reply) => {
      const id = randomUUID();
      const payload: DirectoryClassUpserted = {
        event_id: id,
        class_id: request.params.class_id,
        ...request.body,
        occurred_at: new Date().toISOString(),
      };
      return reply
        .code(202)
        .send(await announce(app, { id, subject: DirectoryClassSubjects.upserted, payload }));
    },
  );

  app.delete(
    '/im/admin/classes/:class_id',
    { ...serviceOnly, schema: { params: ClassPathParams, response: { 202: AdminClassAccepted, ...errors } } },
    async (request, reply) => {
      const id = randomUUID();
      const payload: DirectoryClassDeleted = {
        event_id: id,
        class_id: request.params.class_id,
        occurred_at: new Date().toISOString(),
      };
      return reply
        .code(202)
        .send(await announce(app, { id, subject: DirectoryClassSubjects.deleted, payload }));
    },
  );
};

export default adminClasses;
