import { collectDefaultMetrics, register } from 'prom-client';

export { register } from 'prom-client';

let started = false;

/**
 * One registry per process (prom-client's global one), labelled with the process's name, with
 * Node's default metrics (CPU, memory, event-loop lag, GC). Called once by each `main.ts`.
 */
export function initMetrics(service: string): void {
  if (started) return;
  started = true;
  register.setDefaultLabels({ service });
  // Event-loop delay sampled once a second, not every 10 ms: at rest the default sampling was about
  // half a percent of a core per process, most of an idle stack's cost (README "Performance").
  collectDefaultMetrics({ register, eventLoopMonitoringPrecision: 1_000 });
}

/** The Prometheus text exposition of everything recorded so far. */
export function renderMetrics(): Promise<string> {
  return register.metrics();
}

export const METRICS_CONTENT_TYPE = register.contentType;
