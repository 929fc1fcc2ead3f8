import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  ErrorBody,
  GroupSubjects,
  OrganizationParams,
  OrgContactsReply,
  OrgGroupsReply,
  PageQuery,
} from '@im/contracts';
import { forward } from '../../forward.js';

const errors = { 400: ErrorBody, 503: ErrorBody, 504: ErrorBody };

/**
 * An organization's groups (paged, by id) and its contacts (its groups, then its users), as the
 * API document writes them. Both are answered by the group service.
 */
const org: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/im/org/:organization_id/groups',
    {
      schema: {
        tags: ['organization'],
        summary: "An organization's groups, paged by id",
        params: OrganizationParams,
        querystring: PageQuery,
        response: { 200: OrgGroupsReply, ...errors },
      },
    },
    (request, reply) =>
      forward(request, reply, GroupSubjects.orgGroups, { ...request.query, ...request.params }),
  );

  app.get(
    '/im/org/:organization_id/contacts',
    {
      schema: {
        tags: ['organization'],
        summary: "An organization's contacts: its groups, then its users",
        params: OrganizationParams,
        response: { 200: OrgContactsReply, ...errors },
      },
    },
    (request, reply) => forward(request, reply, GroupSubjects.orgContacts, request.params),
  );
};

export default org;
