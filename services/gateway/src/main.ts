import { setTimeout as sleep } from 'node:timers/promises';
import { announceReady, closeBus, connectBus, onShutdown, runMain } from '@im/bus';
import { createLogger } from '@im/log';
import { httpRequests } from '@im/metrics';
import { readConfig } from './config.js';
import { buildServer } from './server.js';

await runMain('gateway', async () => {
  const config = readConfig();
  const log = createLogger({ name: 'gateway', level: config.logLevel });
  const nc = await connectBus({ servers: config.natsUrl, auth: config.natsAuth, name: 'im-gateway', log });
  const server = await buildServer({
    nc,
    log,
    requestTimeoutMs: config.requestTimeoutMs,
    bodyLimit: config.bodyLimit,
    auth: config.auth,
    rateLimit: config.rateLimit,
    corsOrigins: config.corsOrigins,
    trustProxy: config.trustProxy,
    streams: config.streams,
  });
  await server.listen({ host: config.host, port: config.port });
  onShutdown(log, async () => {
    // Lame duck first (connections close after their answer, /readyz fails), then stop
    // listening and let in-flight requests finish (they need the bus), then drain the bus.
    server.beginDraining();
    await sleep(config.shutdownDelayMs);
    const closed = server.close();
    // A client holding a connection open without sending anything does not delay us for long.
    const lingering = setTimeout(() => server.server.closeAllConnections(), 5_000);
    await closed;
    clearTimeout(lingering);
    log.info({ answered: httpRequests.total() }, 'http server closed');
    await closeBus(nc);
  });
  announceReady(log, { url: `http://${config.host}:${config.port}` });
});
