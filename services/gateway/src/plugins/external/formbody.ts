import formbody from '@fastify/formbody';
import fp from 'fastify-plugin';

/**
 * Bodies are JSON or form-encoded (the old API took forms; apps written against it still send
 * them). Fastify also parses `text/plain` by default; no route takes text, so it is removed and
 * such a body is a 415 naming the types we take, not a confusing 400 about the body's shape.
 */
export default fp(
  async (app) => {
    app.removeContentTypeParser('text/plain');
    await app.register(formbody);
  },
  { name: 'formbody' },
);
