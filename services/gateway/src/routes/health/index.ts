import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ServiceNames } from '@im/contracts';
import { Svcm } from '@nats-io/services';
import { Type } from '@sinclair/typebox';

const Status = Type.Object({
  status: Type.String(),
  services: Type.Optional(Type.Record(Type.String(), Type.Boolean())),
});

/** How long /readyz waits for every service's ping answer. */
const READY_WAIT_MS = 1_000;

/**
 * `/healthz`: the process is alive. `/readyz`: NATS is connected and every service the gateway
 * routes to answers a `$SRV` ping within READY_WAIT_MS; otherwise 503, so a load balancer sends
 * traffic elsewhere. The answers are taken until each service has answered (at once, normally)
 * or the wait is over. It used to stop at the first 100 ms without a new answer: a service busy
 * under load (or on a machine whose hypervisor took its core for a moment) then answered late and
 * looked down, and a loaded system was taken out of the balancer for being loaded.
 */
const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/healthz',
    {
      config: { public: true },
      schema: { tags: ['operations'], summary: 'The process is alive', response: { 200: Status } },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      config: { public: true },
      schema: {
        tags: ['operations'],
        summary: 'NATS is connected and every service answers',
        response: { 200: Status, 503: Status },
      },
    },
    async (_request, reply) => {
      const services: Record<string, boolean> = Object.fromEntries(
        Object.values(ServiceNames).map((name) => [name, false]),
      );
      const connected = app.bus.connected && !app.nc.isClosed() && !app.nc.isDraining();
      if (connected && !app.draining) {
        try {
          const answers = await new Svcm(app.nc).client({ strategy: 'timer', maxWait: READY_WAIT_MS }).ping();
          for await (const answer of answers) {
            if (answer.name in services) services[answer.name] = true;
            if (Object.values(services).every(Boolean)) break; // all in: no need to wait out maxWait
          }
        } catch {
          // No service at all answers: the ping fails with "no responders". Everything stays false.
        }
      }
      const ready = !app.draining && connected && Object.values(services).every(Boolean);
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', services });
    },
  );
};

export default health;
