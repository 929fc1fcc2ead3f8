import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  BroadcastSubjects,
  ClassPathParams,
  ClassPushesReply,
  DeliverySubjects,
  ErrorBody,
  PageQuery,
  PushClassMessageBody,
  PushClassMessageReply,
  PushRecipientsPathParams,
  PushRecipientsReply,
  UserNotificationsReply,
  UserNotificationsRequest,
} from '@im/contracts';
import { Type } from '@sinclair/typebox';
import { forward } from '../../forward.js';

const errors = { 400: ErrorBody, 404: ErrorBody, 503: ErrorBody, 504: ErrorBody };
const UserPathParams = Type.Object(
  { client_id: UserNotificationsRequest.properties.client_id },
  { additionalProperties: false },
);

/**
 * Class broadcasts. The push path is the API document's (`/im/org/<class_id>/message`, 201); the
 * read endpoints are ours (docs/broadcast.md). Each route validates and forwards: to the broadcast
 * service, but a student's inbox to the workers, who own it.
 */
const broadcast: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/im/org/:class_id/message',
    {
      schema: {
        params: ClassPathParams,
        body: PushClassMessageBody,
        response: { 201: PushClassMessageReply, ...errors, 409: ErrorBody, 413: ErrorBody },
      },
      // The body is optional (the document's call has none): validate an absent one as `{}`.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    (request, reply) =>
      forward(request, reply, BroadcastSubjects.push, { ...request.body, ...request.params }, 201),
  );

  app.get(
    '/im/class/:class_id/pushes',
    {
      schema: {
        params: ClassPathParams,
        querystring: PageQuery,
        response: { 200: ClassPushesReply, ...errors },
      },
    },
    (request, reply) =>
      forward(request, reply, BroadcastSubjects.classPushes, { ...request.query, ...request.params }),
  );

  app.get(
    '/im/class/:class_id/pushes/:push_history_record_id/recipients',
    {
      schema: {
        params: PushRecipientsPathParams,
        querystring: PageQuery,
        response: { 200: PushRecipientsReply, ...errors },
      },
    },
    (request, reply) =>
      forward(request, reply, BroadcastSubjects.pushRecipients, { ...request.query, ...request.params }),
  );

  app.get(
    '/im/user/:client_id/notifications',
    {
      schema: {
        params: UserPathParams,
        querystring: PageQuery,
        response: { 200: UserNotificationsReply, ...errors },
      },
    },
    (request, reply) =>
      forward(request, reply, DeliverySubjects.userNotifications, { ...request.query, ...request.params }),
  );
};

export default broadcast;
