import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  DirectoryUserBody,
  type DirectoryUserDeleted,
  DirectoryUserParams,
  DirectoryUserSubjects,
  type DirectoryUserUpserted,
} from '@im/contracts';
import { announce, announceResponses, announcing, newEvent } from '../../announce.js';

/**
 * `PUT|DELETE /im/admin/orgs/<organization_id>/users/<uid>`: for directory systems that speak HTTP
 * rather than NATS, and for demos. Each call publishes one directory user event and answers 202
 * with its id; the group service's projection (contacts) has it seconds later at most.
 */
const adminUsers: FastifyPluginAsyncTypebox = async (app) => {
  app.put(
    '/im/admin/orgs/:organization_id/users/:uid',
    {
      ...announcing,
      schema: {
        tags: ['admin'],
        summary: 'Publish a directory user (upserted)',
        params: DirectoryUserParams,
        body: DirectoryUserBody,
        response: announceResponses,
      },
    },
    async (request, reply) => {
      const payload: DirectoryUserUpserted = {
        ...newEvent(),
        ...request.params,
        name: request.body.name.trim(),
        avatar: request.body.avatar ?? '',
        role: request.body.role,
      };
      return reply.code(202).send(await announce(app, DirectoryUserSubjects.upserted, payload));
    },
  );

  app.delete(
    '/im/admin/orgs/:organization_id/users/:uid',
    {
      ...announcing,
      schema: {
        tags: ['admin'],
        summary: 'Publish a directory user deletion',
        params: DirectoryUserParams,
        response: announceResponses,
      },
    },
    async (request, reply) => {
      const payload: DirectoryUserDeleted = { ...newEvent(), ...request.params };
      return reply.code(202).send(await announce(app, DirectoryUserSubjects.deleted, payload));
    },
  );
};

export default adminUsers;
