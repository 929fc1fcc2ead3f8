import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AddMembersReply,
  ClientParams,
  CreateGroupBody,
  CreateGroupReply,
  ErrorBody,
  GetGroupQuery,
  GetGroupReply,
  GroupIdParams,
  GroupSubjects,
  IdempotencyKeyHeaders,
  invalidParameter,
  MembersBody,
  OptionalMembers,
  PageQuery,
  UpdateGroupBody,
  UpdateGroupReply,
  UserGroupsReply,
} from '@im/contracts';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { forward } from '../../forward.js';

/** 204 answers carry no body (`send(null)`: Fastify drops the payload of a 204). */
const NoContent = Type.Null();
const errors = { 400: ErrorBody, 404: ErrorBody, 413: ErrorBody, 503: ErrorBody, 504: ErrorBody };

/** For the 204 answers: the request is awaited (its errors reach the error handler), no body is sent. */
async function ask(request: FastifyRequest, subject: string, payload: unknown): Promise<void> {
  await request.server.bus.request(
    subject,
    Buffer.from(JSON.stringify(payload)),
    request.id,
    request.callerHeader,
  );
}

/**
 * The group endpoints of the API document (create, rename, delete, add and remove members), plus
 * the later API's `GET /im/group/<id>` and `GET /im/user/<client_id>/groups`. Each validates and
 * forwards to the group service; form-encoded bodies are parsed like JSON ones.
 */
const group: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/im/group',
    {
      schema: {
        tags: ['group'],
        summary: 'Create a group (Idempotency-Key honoured)',
        headers: IdempotencyKeyHeaders,
        body: CreateGroupBody,
        response: { 201: CreateGroupReply, ...errors, 409: ErrorBody },
      },
    },
    (request, reply) => {
      const key = request.headers['idempotency-key'];
      const payload = key === undefined ? request.body : { ...request.body, idempotency_key: key };
      return forward(request, reply, GroupSubjects.create, payload, 201);
    },
  );

  app.get(
    '/im/group/:group_id',
    {
      schema: {
        tags: ['group'],
        summary: 'A group and its members',
        params: GroupIdParams,
        querystring: GetGroupQuery,
        response: { 200: GetGroupReply, ...errors },
      },
    },
    (request, reply) => forward(request, reply, GroupSubjects.get, { ...request.query, ...request.params }),
  );

  app.put(
    '/im/group/:group_id',
    {
      schema: {
        tags: ['group'],
        summary: 'Rename a group',
        params: GroupIdParams,
        body: UpdateGroupBody,
        response: { 200: UpdateGroupReply, ...errors },
      },
    },
    (request, reply) => forward(request, reply, GroupSubjects.update, { ...request.body, ...request.params }),
  );

  app.delete(
    '/im/group/:group_id',
    {
      schema: {
        tags: ['group'],
        summary: 'Delete a group (soft)',
        params: GroupIdParams,
        response: { 204: NoContent, ...errors },
      },
    },
    async (request, reply) => {
      await ask(request, GroupSubjects.delete, request.params);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/im/group/:group_id/member',
    {
      schema: {
        tags: ['group'],
        summary: 'Add members',
        params: GroupIdParams,
        body: MembersBody,
        response: { 201: AddMembersReply, ...errors },
      },
    },
    (request, reply) =>
      forward(request, reply, GroupSubjects.addMembers, { ...request.body, ...request.params }, 201),
  );

  app.delete(
    '/im/group/:group_id/member',
    {
      schema: {
        tags: ['group'],
        summary: 'Remove members (ids in the body or the query string)',
        params: GroupIdParams,
        body: OptionalMembers,
        querystring: OptionalMembers,
        response: { 204: NoContent, ...errors, 403: ErrorBody },
      },
      // The list may come in the body or the query string; a DELETE often has no body at all.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const members = request.body.member_client_ids ?? request.query.member_client_ids;
      if (members === undefined) throw invalidParameter('member_client_ids', 'is required');
      await ask(request, GroupSubjects.removeMembers, { ...request.params, member_client_ids: members });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/im/user/:client_id/groups',
    {
      schema: {
        tags: ['group'],
        summary: "A client's groups",
        params: ClientParams,
        querystring: PageQuery,
        response: { 200: UserGroupsReply, ...errors },
      },
    },
    (request, reply) =>
      forward(request, reply, GroupSubjects.userGroups, { ...request.query, ...request.params }),
  );
};

export default group;
