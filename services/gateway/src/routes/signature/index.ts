import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  ConversationSignatureReply,
  ConversationSignatureRequest,
  ErrorBody,
  InviteSignatureRequest,
  invalidParameter,
  KickSignatureRequest,
  LoginSignatureReply,
  LoginSignatureRequest,
  MemberActionSignatureReply,
  ruleFor,
  SignatureSubjects,
} from '@im/contracts';
import { Type } from '@sinclair/typebox';
import { forward } from '../../forward.js';

const errors = { 400: ErrorBody, 404: ErrorBody, 503: ErrorBody, 504: ErrorBody };
const { sorted_member_ids: _omit, ...MemberActionParams } = InviteSignatureRequest.properties;
const JoinParams = Type.Object(MemberActionParams, { additionalProperties: false });

/**
 * The four signature endpoints, paths as the API document writes them (`conversion` included,
 * `conversation` accepted too). Each route validates its params and forwards them.
 */
const signature: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/signature/login/:app_id/:client_id',
    {
      schema: {
        tags: ['signature'],
        summary: 'Sign a login (app_id:client_id::timestamp:nonce)',
        params: LoginSignatureRequest,
        response: { 200: LoginSignatureReply, ...errors },
      },
    },
    (request, reply) => forward(request, reply, SignatureSubjects.login, request.params),
  );

  for (const spelling of ['conversion', 'conversation']) {
    app.get(
      `/signature/${spelling}/:app_id/:client_id/:sorted_member_ids`,
      {
        schema: {
          tags: ['signature'],
          summary: 'Sign opening a conversation (app_id:client_id:sorted_member_ids:timestamp:nonce)',
          hide: spelling === 'conversation',
          params: ConversationSignatureRequest,
          response: { 200: ConversationSignatureReply, ...errors },
        },
      },
      (request, reply) => forward(request, reply, SignatureSubjects.conversation, request.params),
    );
  }

  for (const [action, params] of [
    ['invite', InviteSignatureRequest],
    ['kick', KickSignatureRequest],
  ] as const) {
    const schema = {
      tags: ['signature'],
      summary: `Sign ${action === 'invite' ? 'adding' : 'removing'} members (…:conversion_id:sorted_member_ids:timestamp:nonce:${action})`,
      params,
      response: { 200: MemberActionSignatureReply, ...errors },
    };
    app.get(
      `/signature/${action}/:app_id/:client_id/:conversion_id/:sorted_member_ids`,
      { schema },
      (request, reply) => forward(request, reply, SignatureSubjects[action], request.params),
    );
    // No member segment: for invite the document's join case (empty list), for kick a 400.
    app.get(
      `/signature/${action}/:app_id/:client_id/:conversion_id`,
      {
        schema: { hide: true, params: JoinParams, response: { 200: MemberActionSignatureReply, ...errors } },
      },
      (request, reply) => {
        if (action === 'kick') throw invalidParameter('sorted_member_ids', ruleFor('sorted_member_ids', ''));
        return forward(request, reply, SignatureSubjects.invite, {
          ...request.params,
          sorted_member_ids: '',
        });
      },
    );
  }
};

export default signature;
