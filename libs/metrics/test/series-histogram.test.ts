import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { SeriesHistogram } from '../src/index.js';

describe('SeriesHistogram', () => {
  it('renders Prometheus buckets, sum and count per series, and a counter view of the counts', async () => {
    const registry = new Registry();
    const h = new SeriesHistogram('t_seconds', 'test', [0.1, 1], registry);
    const requests = h.counter('t_total', 'test count', registry);
    const a = () => ({ route: '/a' });
    h.observe('a', a, 0.05);
    h.observe('a', a, 0.1); // on a bound: counts in that bucket (le is "less or equal")
    h.observe('a', a, 0.5);
    h.observe('a', a, 7);
    h.observe('b', () => ({ route: '/b' }), 2);

    const text = await registry.metrics();
    for (const line of [
      't_seconds_bucket{route="/a",le="0.1"} 2',
      't_seconds_bucket{route="/a",le="1"} 3',
      't_seconds_bucket{route="/a",le="+Inf"} 4',
      't_seconds_sum{route="/a"} 7.65',
      't_seconds_count{route="/a"} 4',
      't_seconds_bucket{route="/b",le="1"} 0',
      't_seconds_count{route="/b"} 1',
      't_total{route="/a"} 4',
      't_total{route="/b"} 1',
      '# TYPE t_seconds histogram',
      '# TYPE t_total counter',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
    expect(requests.total()).toBe(5);
    h.reset();
    expect(h.total()).toBe(0);
  });

  it('builds a series labels once', () => {
    const h = new SeriesHistogram('u_seconds', 'test', [1], new Registry());
    let built = 0;
    for (let i = 0; i < 100; i++) {
      h.observe(
        'k',
        () => {
          built++;
          return { k: 'v' };
        },
        0.5,
      );
    }
    expect(built).toBe(1);
    expect(h.total()).toBe(100);
  });
});
