import formbody from '@fastify/formbody';
import fp from 'fastify-plugin';

/** The old API took form-encoded bodies; apps written against it still send them. */
export default fp(async (app) => app.register(formbody), { name: 'formbody' });
