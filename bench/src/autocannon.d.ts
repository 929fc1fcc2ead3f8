/**
 * The slice of autocannon 9 this workspace uses. Written here rather than taken from
 * `@types/autocannon`, which describes autocannon 7 and would be one more package in the root lock file.
 */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  namespace autocannon {
    interface Options {
      url: string;
      connections?: number;
      /** Seconds. */
      duration?: number;
      /** Seconds a request may take before it counts as a timeout (an error). */
      timeout?: number;
      pipelining?: number;
      workers?: number;
      /** Sent with every request. */
      headers?: Record<string, string>;
      /** Requests to make in all, instead of a duration. */
      amount?: number;
      /** Each connection cycles through these; a `setupRequest` builds each request anew. */
      requests?: RequestSpec[];
    }

    /** The raw request autocannon is about to send; `setupRequest` may change any field. */
    interface RawRequest {
      method: string;
      path: string;
      headers: Record<string, string>;
      body?: string | Buffer;
    }

    interface RequestSpec {
      setupRequest?: (request: RawRequest, context: Record<string, unknown>) => RawRequest;
      /** Called with every response's status and body (bodies are collected only when it is set). */
      onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
    }

    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      p50: number;
      p90: number;
      p99: number;
    }

    interface Result {
      url: string;
      connections: number;
      duration: number;
      errors: number;
      timeouts: number;
      non2xx: number;
      resets: number;
      '2xx': number;
      statusCodeStats: Record<string, { count: number }>;
      /** Milliseconds; only 2xx responses are recorded, at whole-millisecond resolution. */
      latency: Histogram;
      /** Per-second samples: `average` is the mean requests/s, `total` the completed requests. */
      requests: Histogram & { sent: number };
      throughput: Histogram;
    }

    /** Emits `response` (client, statusCode, bytes, responseTimeMs) for each response. */
    type Instance = EventEmitter;
  }

  function autocannon(
    options: autocannon.Options,
    done: (error: Error | null, result: autocannon.Result) => void,
  ): autocannon.Instance;

  export = autocannon;
}
