import { announceReady, closeBus, connectBus, onShutdown, runMain } from '@im/bus';
import { createLogger } from '@im/log';
import { initMetrics, startMetricsServer } from '@im/metrics';
import { connectMongo } from '@im/store';
import { readConfig } from './config.js';
import { startWorkers } from './service.js';

await runMain('workers', async () => {
  const config = readConfig();
  const log = createLogger({ name: 'workers', level: config.logLevel });
  initMetrics('workers');
  const metrics = await startMetricsServer(config.metricsPort, config.metricsHost);
  const mongo = await connectMongo(config.mongoUrl, 'im-workers', config.dbName, {
    timeoutMs: config.mongoTimeoutMs,
  });
  const nc = await connectBus({ servers: config.natsUrl, auth: config.natsAuth, name: 'im-workers', log });
  const workers = await startWorkers({ nc, db: mongo.db, log, config });
  onShutdown(log, async () => {
    // Stop answering and pulling; finish the messages in hand (an unfinished one is redelivered anyway).
    await workers.stop();
    await closeBus(nc);
    await mongo.close();
    await metrics.close();
  });
  announceReady(log, {
    db: config.dbName,
    chunkSize: config.chunkSize,
    concurrency: config.concurrency,
    ackWaitMs: config.ackWaitMs,
    maxInFlight: config.maxInFlight,
    metricsPort: metrics.port,
  });
});
