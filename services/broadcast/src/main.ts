import { announceReady, closeBus, connectBus, onShutdown, runMain } from '@im/bus';
import { createLogger } from '@im/log';
import { initMetrics, startMetricsServer } from '@im/metrics';
import { connectMongo } from '@im/store';
import { readConfig } from './config.js';
import { startBroadcastService } from './service.js';

await runMain('broadcast', async () => {
  const config = readConfig();
  const log = createLogger({ name: 'broadcast', level: config.logLevel });
  if (config.faultCrashBeforePublish) log.warn('BROADCAST_FAULT_CRASH_BEFORE_PUBLISH is set: test only');
  initMetrics('broadcast');
  const metrics = await startMetricsServer(config.metricsPort, config.metricsHost);
  const mongo = await connectMongo(config.mongoUrl, 'im-broadcast', config.dbName, {
    timeoutMs: config.mongoTimeoutMs,
  });
  const nc = await connectBus({ servers: config.natsUrl, auth: config.natsAuth, name: 'im-broadcast', log });
  const running = await startBroadcastService({ nc, db: mongo.db, log, config });
  onShutdown(log, async () => {
    await running.stop();
    await closeBus(nc);
    await mongo.close();
    await metrics.close();
  });
  announceReady(log, {
    db: config.dbName,
    deliveriesTimeoutMs: config.deliveriesTimeoutMs,
    timeZone: config.pushTimeZone,
    metricsPort: metrics.port,
  });
});
