import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import { DOCS_HELMET } from './helmet.js';

const isDocs = (url: string) => url === '/docs' || url.startsWith('/docs/');

/**
 * OpenAPI 3 generated from the routes' TypeBox schemas, served as JSON at `/docs/json` and as a
 * browsable page at `/docs`. Registered before the routes so every route is captured. The docs
 * are public (no token); the page's "Authorize" button takes one for "Try it out".
 */
export default fp(
  async (app) => {
    app.addHook('onRoute', (route) => {
      if (isDocs(route.url)) route.config = { ...route.config, public: true, helmet: DOCS_HELMET };
    });
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
          {
            name: 'notifications',
            description: "A student's notifications live (Server-Sent Events), stream tickets, read marks",
          },
          { name: 'admin', description: 'Directory updates for systems that cannot speak NATS' },
          { name: 'operations', description: 'Health and readiness' },
        ],
        components: {
          securitySchemes: {
            bearerAuth: {
              type: 'http',
              scheme: 'bearer',
              bearerFormat: 'JWT',
              description:
                'A JWT whose claims are sub (client id), orgs and role; see the README, "Security"',
            },
          },
        },
      },
    });
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      uiConfig: { docExpansion: 'list', deepLinking: true },
    });
  },
  { name: 'swagger', dependencies: ['auth', 'helmet'] },
);
