import { announceReady, closeBus, connectBus, onShutdown, runMain } from '@im/bus';
import { createLogger } from '@im/log';
import { readConfig } from './config.js';
import { buildServer } from './server.js';

await runMain('gateway', async () => {
  const config = readConfig();
  const log = createLogger({ name: 'gateway', level: config.logLevel });
  const nc = await connectBus({ servers: config.natsUrl, name: 'im-gateway', log });
  const server = await buildServer({
    nc,
    log,
    requestTimeoutMs: config.requestTimeoutMs,
    bodyLimit: config.bodyLimit,
    jetstreamReplicas: config.jetstreamReplicas,
  });
  await server.listen({ host: config.host, port: config.port });
  onShutdown(log, async () => {
    // Stop accepting, let in-flight requests finish (they need the bus), then drain the bus.
    await server.close();
    await closeBus(nc);
  });
  announceReady(log, { url: `http://${config.host}:${config.port}` });
});
