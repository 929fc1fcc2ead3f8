import { createHistogram } from 'node:perf_hooks';
import autocannon from 'autocannon';

/** How hard and how long every target is driven; the same for all of them, so figures compare. */
export interface LoadOptions {
  connections: number;
  durationS: number;
  /** Discarded run first: JIT, connection set-up and lazy allocations are not what we measure. */
  warmupS: number;
}

export interface LoadResult {
  url: string;
  connections: number;
  durationS: number;
  /** Responses received during the measured run (warm-up excluded). */
  requests: number;
  /** Mean of autocannon's per-second samples. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  /** Socket errors and timeouts (autocannon counts timeouts among errors). */
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
}

export function loadOptionsFromEnv(env: Record<string, string | undefined> = process.env): LoadOptions {
  return {
    connections: positiveNumber(env, 'BENCH_CONNECTIONS', 50),
    durationS: positiveNumber(env, 'BENCH_DURATION_S', 10),
    warmupS: positiveNumber(env, 'BENCH_WARMUP_S', 2),
  };
}

function positiveNumber(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name}: expected a positive number, got "${raw}"`);
  return value;
}

/** Request headers every request of a run carries (a bearer token, say). */
export type Headers = Record<string, string>;

/** A warm-up run whose figures are thrown away. */
export async function warmUp(url: string, options: LoadOptions, headers: Headers = {}): Promise<void> {
  await cannon(url, options.connections, options.warmupS, headers);
}

/**
 * One measured run. autocannon runs on this thread (measured against `workers: 1`, see the report):
 * that way its `response` events reach us and latency percentiles keep sub-millisecond resolution,
 * where autocannon's own histogram rounds to whole milliseconds.
 */
export async function drive(url: string, options: LoadOptions, headers: Headers = {}): Promise<LoadResult> {
  // Microseconds: perf_hooks histograms hold integers.
  const latencyUs = createHistogram();
  const result = await cannon(url, options.connections, options.durationS, headers, (status, ms) => {
    if (status >= 200 && status < 300) latencyUs.record(Math.max(1, Math.round(ms * 1000)));
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count;
  return {
    url,
    connections: options.connections,
    durationS: options.durationS,
    requests: result.requests.total,
    rps: result.requests.average,
    p50Ms: latencyUs.count > 0 ? latencyUs.percentile(50) / 1000 : Number.NaN,
    p99Ms: latencyUs.count > 0 ? latencyUs.percentile(99) / 1000 : Number.NaN,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
  };
}

function cannon(
  url: string,
  connections: number,
  durationS: number,
  headers: Headers,
  onResponse?: (status: number, ms: number) => void,
): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon({ url, connections, duration: durationS, headers }, (error, result) =>
      error ? reject(error) : resolve(result),
    );
    if (onResponse) {
      instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) =>
        onResponse(status, ms),
      );
    }
  });
}
