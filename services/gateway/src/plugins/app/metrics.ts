import { httpDuration, initMetrics, METRICS_CONTENT_TYPE, renderMetrics } from '@im/metrics';
import fp from 'fastify-plugin';

/**
 * Request counts and latency by route template and status, and `GET /metrics` (Prometheus text)
 * on the gateway's own port. Routes are labelled by their template (`/im/group/:group_id`), never
 * the raw URL, so label sets stay bounded; unknown routes share one label.
 */
export default fp(
  async (app) => {
    initMetrics('gateway');
    app.addHook('onResponse', (request, reply, done) => {
      const { method } = request;
      const route = request.routeOptions.url ?? 'unknown';
      const status = reply.statusCode;
      httpDuration.observe(
        `${method} ${route} ${status}`,
        () => ({ method, route, status: String(status) }),
        reply.elapsedTime / 1000,
      );
      done();
    });
    app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
      reply.type(METRICS_CONTENT_TYPE).send(await renderMetrics()),
    );
  },
  { name: 'metrics' },
);
