import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';

/**
 * OpenAPI 3 generated from the routes' TypeBox schemas, served as JSON at `/docs/json` and as a
 * browsable page at `/docs`. Registered before the routes so every route is captured.
 */
export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'IM platform API',
          description:
            'Signatures for LeanCloud realtime messaging, groups, contacts and class broadcasts. ' +
            'Every error answers `{error_code, msg, request}`; `msg` starts with the field at fault.',
          version: '0.1.0',
        },
        tags: [
          { name: 'signature', description: 'LeanCloud realtime signatures' },
          { name: 'group', description: 'Groups and their members' },
          { name: 'organization', description: "An organization's groups and contacts" },
          { name: 'broadcast', description: 'Class notifications' },
          { name: 'admin', description: 'Directory updates for systems that cannot speak NATS' },
          { name: 'operations', description: 'Health and readiness' },
        ],
      },
    });
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      uiConfig: { docExpansion: 'list', deepLinking: true },
    });
  },
  { name: 'swagger' },
);
