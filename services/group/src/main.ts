import { announceReady, closeBus, connectBus, onShutdown, runMain } from '@im/bus';
import { createLogger } from '@im/log';
import { initMetrics, startMetricsServer } from '@im/metrics';
import { connectMongo } from '@im/store';
import { readConfig } from './config.js';
import { startGroupService } from './service.js';

await runMain('group', async () => {
  const config = readConfig();
  const log = createLogger({ name: 'group', level: config.logLevel });
  if (config.faultCrashBeforePublish) log.warn('GROUP_FAULT_CRASH_BEFORE_PUBLISH is set: test only');
  initMetrics('group');
  const metrics = await startMetricsServer(config.metricsPort, config.metricsHost);
  const mongo = await connectMongo(config.mongoUrl, 'im-group', config.dbName, {
    timeoutMs: config.mongoTimeoutMs,
  });
  const nc = await connectBus({ servers: config.natsUrl, auth: config.natsAuth, name: 'im-group', log });
  const running = await startGroupService({ nc, db: mongo.db, log, config });
  onShutdown(log, async () => {
    await running.stop();
    await closeBus(nc);
    await mongo.close();
    await metrics.close();
  });
  announceReady(log, { db: config.dbName, maxMembers: config.maxMembers, metricsPort: metrics.port });
});
