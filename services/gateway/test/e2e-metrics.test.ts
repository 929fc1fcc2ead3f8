import { pollUntil, type Stack, startStack } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Every process of the running system serves Prometheus text, and its counters move with the
// work it does: the gateway's requests, each service's handlers, the consumers' messages.
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    mode: 'source',
    logLevel: 'warn',
    env: { SIGNATURE_APP_KEYS: JSON.stringify({ '1': 'metrics-key' }) },
  });
});
afterAll(() => stack?.stop());

type Samples = Map<string, number>;

/** `name{a="1",b="2"} 3` lines into a map keyed by the line's name and labels as written. */
async function scrape(name: string): Promise<Samples> {
  const res = await fetch(stack.metricsUrls[name]!);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  const samples: Samples = new Map();
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** The sum of every sample of `metric` whose labels include all of `labels`. */
function sum(samples: Samples, metric: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const [key, value] of samples) {
    if (!key.startsWith(`${metric}{`) && key !== metric) continue;
    if (Object.entries(labels).every(([k, v]) => key.includes(`${k}="${v}"`))) total += value;
  }
  return total;
}

async function call(method: string, path: string, body?: unknown) {
  // A service may call every endpoint (who may do what is auth-matrix.test.ts's business).
  const authorization = `Bearer ${stack.token({ sub: 'svc-metrics', role: 'service' })}`;
  const res = await fetch(`${stack.gatewayUrl}${path}`, {
    method,
    headers: body === undefined ? { authorization } : { authorization, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

describe('metrics of every process', () => {
  it('each process answers /metrics with its own service label and runtime metrics', async () => {
    const names = Object.keys(stack.metricsUrls);
    expect(names.sort()).toEqual(['broadcast', 'gateway', 'group', 'signature', 'workers']);
    for (const name of names) {
      const samples = await scrape(name);
      expect(sum(samples, 'process_cpu_user_seconds_total', { service: name })).toBeGreaterThan(0);
    }
  });

  it('counters move with the work done', async () => {
    const before = Object.fromEntries(
      await Promise.all(Object.keys(stack.metricsUrls).map(async (n) => [n, await scrape(n)] as const)),
    );

    expect((await call('GET', '/signature/login/1/c565')).status).toBe(200);
    expect((await call('GET', '/signature/login/1/a:b')).status).toBe(400);
    expect(
      (await call('POST', '/im/group', { group_name: 'm', member_client_ids: 'a:b', organization_id: 1 }))
        .status,
    ).toBe(201);
    const students = ['s1', 's2', 's3'];
    expect(
      (
        await call('PUT', '/im/admin/classes/77', {
          organization_id: 1,
          name: 'C',
          active: true,
          student_uids: students,
        })
      ).status,
    ).toBe(202);
    // The class reaches the broadcast service's projection through JetStream, a moment later.
    let pushed = 0;
    await pollUntil(async () => {
      pushed = (await call('POST', '/im/org/77/message', { message: 'hi' })).status;
      return pushed === 201;
    }, Date.now() + 15_000);
    expect(pushed).toBe(201);
    await pollUntil(
      async () => ((await call('GET', '/im/user/s3/notifications')).body.total_count as number) === 1,
      Date.now() + 15_000,
    );

    const scrapeAll = async () =>
      Object.fromEntries(
        await Promise.all(Object.keys(stack.metricsUrls).map(async (n) => [n, await scrape(n)] as const)),
      );
    let after = await scrapeAll();
    const moved = (name: string, metric: string, labels: Record<string, string>) =>
      sum(after[name]!, metric, labels) - sum(before[name]!, metric, labels);
    // The inbox is written before the message is acked: wait for the ack to be counted too.
    const workersAck = { consumer: 'workers-class-messages', outcome: 'ack' };
    await pollUntil(async () => {
      after = await scrapeAll();
      return moved('workers', 'im_consumer_messages_total', workersAck) >= 1;
    }, Date.now() + 15_000);

    const login = { route: '/signature/login/:app_id/:client_id' };
    expect(moved('gateway', 'im_http_requests_total', { ...login, status: '200' })).toBe(1);
    expect(moved('gateway', 'im_http_requests_total', { ...login, status: '400' })).toBe(1);
    expect(
      moved('gateway', 'im_http_request_duration_seconds_count', { route: '/im/group', status: '201' }),
    ).toBe(1);
    expect(
      moved('signature', 'im_handler_duration_seconds_count', {
        subject: 'im.signature.login',
        outcome: 'ok',
      }),
    ).toBe(1);
    expect(
      moved('group', 'im_handler_duration_seconds_count', { subject: 'im.group.create', outcome: 'ok' }),
    ).toBe(1);
    expect(
      moved('broadcast', 'im_handler_duration_seconds_count', {
        subject: 'im.broadcast.push',
        outcome: 'ok',
      }),
    ).toBe(1);
    expect(moved('broadcast', 'im_consumer_messages_total', { outcome: 'ack' })).toBeGreaterThanOrEqual(1);
    expect(
      moved('workers', 'im_consumer_messages_total', { consumer: 'workers-class-messages', outcome: 'ack' }),
    ).toBe(1);
  });
});
