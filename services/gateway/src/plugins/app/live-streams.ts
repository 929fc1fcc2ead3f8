import fp from 'fastify-plugin';
import { OpenStreams } from '../../live/open-streams.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The live notification streams this copy holds open (live/open-streams.ts). */
    openStreams: OpenStreams;
  }
}

export interface LiveStreamsOptions {
  maxOpen: number;
  pingMs: number;
}

/**
 * Open streams end at the start of close, while the listener is still there: an open stream
 * would otherwise hold its connection until the lingering connections are cut, and its client
 * would see a reset instead of an end. Clients reconnect with `Last-Event-ID`, to another copy.
 * After a NATS reconnect every stream reads the store once, for what was published meanwhile.
 */
export default fp<LiveStreamsOptions>(
  async (app, options) => {
    const streams = new OpenStreams(options);
    app.decorate('openStreams', streams);
    app.addHook('preClose', async () => streams.endAll());

    const status = app.nc.status();
    void (async () => {
      try {
        for await (const change of status) if (change.type === 'reconnect') streams.resyncAll();
      } catch {
        // The iterator ends with the connection.
      }
    })();
    app.addHook('onClose', async () => (status as { stop?: () => void }).stop?.());
  },
  { name: 'live-streams', dependencies: ['bus'] },
);
