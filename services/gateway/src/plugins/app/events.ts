import { Streams } from '@im/contracts';
import { EventPublisher, ensureStream, openJetStream } from '@im/events';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** Publishes directory events for the admin endpoints (systems that cannot speak NATS). */
    events: EventPublisher;
  }
}

export interface EventsPluginOptions {
  jetstreamReplicas: number;
}

/** JetStream publishing for the few routes that announce rather than ask. */
export default fp<EventsPluginOptions>(
  async (app, { jetstreamReplicas }) => {
    const handles = await openJetStream(app.nc);
    await ensureStream(handles.jsm, Streams.directory, { replicas: jetstreamReplicas });
    app.decorate('events', new EventPublisher(handles.js));
  },
  { name: 'events', dependencies: ['bus'] },
);
