import { type JetStreamClient, jetstream } from '@nats-io/jetstream';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Publishes directory events for the admin endpoints (systems that cannot speak NATS). The
     * gateway creates no stream: DIRECTORY belongs to the directory, whose side provisions it
     * (`im-ensure-streams`); the services that consume it (group, broadcast) do not create it.
     */
    jetstream: JetStreamClient;
  }
}

/** A JetStream client on the gateway's connection, for the few routes that announce rather than ask. */
export default fp(
  async (app) => {
    // No JetStream API call here: the gateway starts (and answers everything else) without it.
    app.decorate('jetstream', jetstream(app.nc));
  },
  { name: 'jetstream', dependencies: ['bus'] },
);
