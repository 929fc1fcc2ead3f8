import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AppError,
  DirectoryEventAccepted,
  DirectoryUserBody,
  type DirectoryUserDeleted,
  DirectoryUserParams,
  DirectoryUserSubjects,
  type DirectoryUserUpserted,
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
 * `PUT|DELETE /im/admin/orgs/<organization_id>/users/<uid>`: for directory systems that speak HTTP
 * rather than NATS, and for demos. Each call publishes one directory user event and answers 202
 * with its id; the group service's projection (contacts) has it seconds later at most.
 */
const adminUsers: FastifyPluginAsyncTypebox = async (app) => {
  app.put(
    '/im/admin/orgs/:organization_id/users/:uid',
    {
      ...serviceOnly,
      schema: {
        tags: ['admin'],
        summary: 'Publish a directory user (upserted)',
        params: DirectoryUserParams,
        body: DirectoryUserBody,
        response: { 202: DirectoryEventAccepted, ...errors },
      },
    },
    async (request, reply) => {
      const id = randomUUID();
      const payload: DirectoryUserUpserted = {
        event_id: id,
        occurred_at: new Date().toISOString(),
        ...request.params,
        name: request.body.name.trim(),
        avatar: request.body.avatar ?? '',
        role: request.body.role,
      };
      return reply
        .code(202)
        .send(await announce(app, { id, subject: DirectoryUserSubjects.upserted, payload }));
    },
  );

  app.delete(
    '/im/admin/orgs/:organization_id/users/:uid',
    {
      ...serviceOnly,
      schema: {
        tags: ['admin'],
        summary: 'Publish a directory user deletion',
        params: DirectoryUserParams,
        response: { 202: DirectoryEventAccepted, ...errors },
      },
    },
    async (request, reply) => {
      const id = randomUUID();
      const payload: DirectoryUserDeleted = {
        event_id: id,
        occurred_at: new Date().toISOString(),
        ...request.params,
      };
      return reply
        .code(202)
        .send(await announce(app, { id, subject: DirectoryUserSubjects.deleted, payload }));
    },
  );
};

export default adminUsers;
