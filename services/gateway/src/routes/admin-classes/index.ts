import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  assertFits,
  ClassPathParams,
  ClassUpsertBody,
  type DirectoryClassDeleted,
  DirectoryClassSubjects,
  type DirectoryClassUpserted,
  ErrorBody,
  listByteBudget,
} from '@im/contracts';
import { announce, announceResponses, announcing, newEvent } from '../../announce.js';

/**
 * `PUT|DELETE /im/admin/classes/<class_id>`: for directory systems that speak HTTP rather than
 * NATS. Each call publishes one directory class event and answers 202 with its id; the broadcast
 * service applies it to its projection shortly after (no request/reply: the event is the contract).
 */
const adminClasses: FastifyPluginAsyncTypebox = async (app) => {
  app.put(
    '/im/admin/classes/:class_id',
    {
      ...announcing,
      schema: {
        tags: ['admin'],
        summary: 'Publish a directory class (upserted): organization, name, active, students',
        params: ClassPathParams,
        body: ClassUpsertBody,
        response: { ...announceResponses, 413: ErrorBody },
      },
    },
    async (request, reply) => {
      // The roster rides inside every class-message event of this class: a roster accepted here
      // that the bus cannot carry later would mean pushes that are never delivered. The limit is
      // in bytes, from the server's max_payload (ids are capped in characters, not bytes).
      assertFits('student_uids', request.body.student_uids, listByteBudget(app.bus.maxPayload));
      const payload: DirectoryClassUpserted = {
        ...newEvent(),
        class_id: request.params.class_id,
        ...request.body,
      };
      return reply.code(202).send(await announce(app, DirectoryClassSubjects.upserted, payload));
    },
  );

  app.delete(
    '/im/admin/classes/:class_id',
    {
      ...announcing,
      schema: {
        tags: ['admin'],
        summary: 'Publish a directory class deletion',
        params: ClassPathParams,
        response: announceResponses,
      },
    },
    async (request, reply) => {
      const payload: DirectoryClassDeleted = { ...newEvent(), class_id: request.params.class_id };
      return reply.code(202).send(await announce(app, DirectoryClassSubjects.deleted, payload));
    },
  );
};

export default adminClasses;
