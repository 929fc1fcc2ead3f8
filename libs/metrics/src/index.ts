export * from './definitions.js';
export { initMetrics, METRICS_CONTENT_TYPE, register, renderMetrics } from './registry.js';
export { SeriesHistogram } from './series-histogram.js';
export { type MetricsServer, startMetricsServer } from './server.js';
