import { announceReady, closeBus, connectBus, onShutdown, runMain } from '@im/bus';
import { createLogger } from '@im/log';
import { initMetrics, startMetricsServer } from '@im/metrics';
import { readConfig } from './config.js';
import { startSignatureService } from './service.js';

await runMain('signature', async () => {
  const config = readConfig();
  const log = createLogger({ name: 'signature', level: config.logLevel });
  initMetrics('signature');
  const metrics = await startMetricsServer(config.metricsPort, config.metricsHost);
  const nc = await connectBus({ servers: config.natsUrl, auth: config.natsAuth, name: 'im-signature', log });
  const running = await startSignatureService({
    nc,
    log,
    appKeys: config.appKeys,
    timestampFormat: config.timestampFormat,
    unownedConversations: config.unownedConversations,
    groupTimeoutMs: config.groupTimeoutMs,
    maxInFlight: config.maxInFlight,
  });
  onShutdown(log, async () => {
    await running.stop();
    await closeBus(nc);
    await metrics.close();
  });
  announceReady(log, {
    apps: config.appKeys.appIds.length,
    timestampFormat: config.timestampFormat,
    unownedConversations: config.unownedConversations,
    metricsPort: metrics.port,
  });
});
