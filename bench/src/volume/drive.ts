import { createHistogram } from 'node:perf_hooks';
import autocannon from 'autocannon';

/** One request of a run: each is drawn anew (another user, class, group), so no two need match. */
export interface Target {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface DriveOptions {
  connections: number;
  /** Seconds to run; ignored when `amount` is set. */
  durationS: number;
  /** Exactly this many requests instead (the pushes: one per class). */
  amount?: number;
}

export interface DriveResult {
  requests: number;
  wallS: number;
  /** Answers per second of wall time. */
  ratePerS: number;
  /** Latency of every answer, errors included: a 504 after 5 s is what its caller waited. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  statusCodes: Record<string, number>;
  non2xx: number;
  status5xx: number;
  /** Socket errors and timeouts (no answer at all). */
  errors: number;
  timeouts: number;
}

/**
 * A closed loop of `connections` callers, each sending its next request as soon as the last one
 * is answered, every request from `next()`. autocannon runs on this thread, so each response
 * reaches us with sub-millisecond timing (see load.ts). `onAnswer` sees every status and body.
 */
export async function driveTargets(
  baseUrl: string,
  next: () => Target,
  options: DriveOptions,
  onAnswer?: (status: number, body: string) => void,
): Promise<DriveResult> {
  const latencyUs = createHistogram();
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: baseUrl,
        connections: options.connections,
        ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.durationS }),
        requests: [
          {
            setupRequest: (request) => {
              const target = next();
              return {
                ...request,
                method: target.method,
                path: target.path,
                // A copy: autocannon writes Content-Length into the object it is given.
                headers: { ...target.headers },
                ...(target.body !== undefined ? { body: target.body } : {}),
              };
            },
            ...(onAnswer ? { onResponse: (status: number, body: string) => onAnswer(status, body) } : {}),
          },
        ],
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
      latencyUs.record(Math.max(1, Math.round(ms * 1000)));
    });
  });
  const wallS = (performance.now() - started) / 1_000;
  const statusCodes: Record<string, number> = {};
  let status5xx = 0;
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) {
    statusCodes[code] = count;
    if (code.startsWith('5')) status5xx += count;
  }
  const answered = latencyUs.count > 0;
  return {
    requests: result.requests.total,
    wallS,
    ratePerS: result.requests.total / wallS,
    p50Ms: answered ? latencyUs.percentile(50) / 1000 : Number.NaN,
    p99Ms: answered ? latencyUs.percentile(99) / 1000 : Number.NaN,
    maxMs: answered ? latencyUs.max / 1000 : Number.NaN,
    statusCodes,
    non2xx: result.non2xx,
    status5xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}
