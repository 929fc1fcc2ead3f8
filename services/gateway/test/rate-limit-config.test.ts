import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';

const SECRET = 'a'.repeat(64);

describe('gateway readConfig: shared rate-limit counts', () => {
  it('writes counts every 250 ms to a bucket of JETSTREAM_REPLICAS replicas by default', () => {
    expect(readConfig({ AUTH_JWT_SECRET: SECRET }).rateLimit).toMatchObject({ flushMs: 250, replicas: 1 });
    const cluster = readConfig({
      AUTH_JWT_SECRET: SECRET,
      JETSTREAM_REPLICAS: '3',
      RATE_LIMIT_FLUSH_MS: '100',
    });
    expect(cluster.rateLimit).toMatchObject({ flushMs: 100, replicas: 3 });
    expect(cluster.streams.replicas).toBe(3);
  });

  it('refuses a flush interval under 50 ms or over 10 s, naming it', () => {
    for (const bad of ['49', '10001', 'soon']) {
      expect(() => readConfig({ AUTH_JWT_SECRET: SECRET, RATE_LIMIT_FLUSH_MS: bad })).toThrow(
        /RATE_LIMIT_FLUSH_MS/,
      );
    }
  });
});
