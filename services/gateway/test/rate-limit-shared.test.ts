import { randomBytes } from 'node:crypto';
import { closeBus, connectBus, type NatsConnection } from '@im/bus';
import { createLogger } from '@im/log';
import { AppKeys, startSignatureService } from '@im/signature-service';
import { type NatsHandle, pollUntil, sleep, startNats } from '@im/testkit';
import { jetstream } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RateLimitSettings } from '../src/config.js';
import { RATE_LIMIT_BUCKET } from '../src/rate-limit/bucket.js';
import { countKey, windowOf } from '../src/rate-limit/keys.js';
import { buildServer } from '../src/server.js';
import { type Claims, type Gateway, silentLog, testAuth, user } from './helpers.js';

/**
 * Two gateway copies on one NATS server share each caller's count through the KV bucket. The
 * copies are driven in rounds: each lets one request through, then both have written their
 * counts (the bucket holds every request let through). Between two writes a copy knows nothing
 * of the other's last request, so together they allow the limit and at most one more (the
 * documented bound: copies × rate × flush interval, one request a round here); then both answer
 * 429 in the API's shape, with the rate-limit headers.
 */
const auth = testAuth();
/** Long windows, so that no test runs across the start of a new one (see inWindow). */
const WINDOW_MS = 3_600_000;
const LIMITS: RateLimitSettings = { max: 6, windowMs: WINDOW_MS, signatureMax: 3, flushMs: 50 };

let nats: NatsHandle;
let services: NatsConnection;
let kv: KV;
const copies: { nc: NatsConnection; gateway: Gateway }[] = [];

/** One gateway copy on the test's NATS server, with these limits. */
async function startCopy(name: string, rateLimit: RateLimitSettings) {
  const nc = await connectBus({ servers: nats.url, name, log: silentLog });
  const gateway = await buildServer({
    nc,
    log: silentLog,
    requestTimeoutMs: 2_000,
    bodyLimit: 1_048_576,
    auth: auth.settings,
    rateLimit,
  });
  await gateway.ready();
  return { nc, gateway };
}

beforeAll(async () => {
  nats = await startNats();
  services = await connectBus({ servers: nats.url, name: 'test-services', log: silentLog });
  await startSignatureService({
    nc: services,
    log: silentLog,
    appKeys: AppKeys.parse(JSON.stringify({ '1': 'shared-limit-key' })),
  });
  for (const name of ['gateway-a', 'gateway-b']) copies.push(await startCopy(name, LIMITS));
  // The copies create the bucket as they start.
  const kvm = new Kvm(jetstream(services));
  expect(
    await pollUntil(
      async () =>
        kvm.open(RATE_LIMIT_BUCKET).then(
          () => true,
          () => false,
        ),
      Date.now() + 10_000,
    ),
  ).toBe(true);
  kv = await kvm.open(RATE_LIMIT_BUCKET);
});
afterAll(async () => {
  for (const { gateway, nc } of copies) {
    await gateway.close();
    await closeBus(nc);
  }
  await closeBus(services);
  await nats?.stop();
});

/** Waits, when a window is about to end, for the next one: the counts start over with each. */
async function inWindow(): Promise<number> {
  const left = WINDOW_MS - (Date.now() % WINDOW_MS);
  if (left < 60_000) await sleep(left + 100);
  return windowOf(Date.now(), WINDOW_MS);
}

/** The bucket's count of a caller key in this window, for a limit; 0 before the first write. */
async function stored(callerKey: string, max: number, window: number): Promise<number> {
  const entry = await kv.get(countKey(callerKey, WINDOW_MS, max, window));
  return entry?.operation === 'PUT' ? Number(entry.string()) : 0;
}

async function call(copy: number, url: string, as: Claims) {
  const res = await (copies[copy] as { gateway: Gateway }).gateway.inject({
    method: 'GET',
    url,
    headers: auth.as(as),
  });
  return { status: res.statusCode, body: res.json(), headers: res.headers };
}

/**
 * Rounds of one request per copy, each round's counts written before the next, until both copies
 * refuse: answers how many were let through and the bucket's count then.
 */
async function untilBothRefuse(url: string, as: Claims, callerKey: string, max: number, window: number) {
  let allowed = 0;
  for (let round = 0; round < 4 * max; round++) {
    const statuses = [(await call(0, url, as)).status, (await call(1, url, as)).status];
    expect(
      statuses.every((s) => s === 200 || s === 429),
      `round ${round}: ${statuses}`,
    ).toBe(true);
    allowed += statuses.filter((s) => s === 200).length;
    if (statuses.every((s) => s === 429)) break;
    const written = await pollUntil(
      async () => (await stored(callerKey, max, window)) === allowed,
      Date.now() + 10_000,
      undefined,
      20,
    );
    expect(
      written,
      `round ${round}: the bucket holds ${await stored(callerKey, max, window)}, not ${allowed}`,
    ).toBe(true);
  }
  return { allowed, stored: await stored(callerKey, max, window) };
}

describe('the rate limit across two gateway copies', () => {
  it('lets the limit through in all (one more at most), then answers 429 on both', async () => {
    const window = await inWindow();
    const sub = `shared-${randomBytes(4).toString('hex')}`;
    const outcome = await untilBothRefuse('/healthz', user(sub), `caller:${sub}`, LIMITS.max, window);
    expect(outcome.allowed).toBeGreaterThanOrEqual(LIMITS.max);
    expect(outcome.allowed).toBeLessThanOrEqual(LIMITS.max + 1);
    // Every request let through was counted once, whichever copy and however the writes raced.
    expect(outcome.stored).toBe(outcome.allowed);

    for (const copy of [0, 1]) {
      const refused = await call(copy, '/healthz', user(sub));
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ error_code: 1012, request: 'GET /healthz' });
      expect(refused.body.msg).toMatch(/^too many requests: at most 6 per 3600 s; retry in \d+ s$/);
      expect(refused.headers).toMatchObject({ 'x-ratelimit-limit': '6', 'x-ratelimit-remaining': '0' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(WINDOW_MS / 1000);
    }
    // Another caller has a count of its own.
    expect((await call(1, '/healthz', user(`other-${sub}`))).status).toBe(200);
  });

  it('shares the signatures’ own, tighter bucket, apart from the caller’s other requests', async () => {
    const window = await inWindow();
    const sub = `signer-${randomBytes(4).toString('hex')}`;
    const outcome = await untilBothRefuse(
      `/signature/login/1/${sub}`,
      user(sub),
      `signature|caller:${sub}`,
      LIMITS.signatureMax,
      window,
    );
    expect(outcome.allowed).toBeGreaterThanOrEqual(LIMITS.signatureMax);
    expect(outcome.allowed).toBeLessThanOrEqual(LIMITS.signatureMax + 1);
    expect(outcome.stored).toBe(outcome.allowed);
    // The caller's global count saw none of them.
    expect(await stored(`caller:${sub}`, LIMITS.max, window)).toBe(0);
    expect((await call(0, '/healthz', user(sub))).status).toBe(200);
  });

  it('keeps no caller id in the bucket: keys are hashes, window and limit', async () => {
    const keys: string[] = [];
    for await (const key of await kv.keys()) keys.push(key);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key).toMatch(/^[0-9a-f]{32}\.\d+\.\d+\.\d+$/);
  });
});

describe('callers far from their limit', () => {
  it('are counted by each copy alone until a copy has seen 1% of the limit, then shared', async () => {
    // A third copy with a limit of 1,000: it shares a caller's count from its 10th request on.
    const { nc, gateway } = await startCopy('gateway-large-limit', { ...LIMITS, max: 1_000 });
    try {
      const window = await inWindow();
      const sub = `light-${randomBytes(4).toString('hex')}`;
      const get = async () =>
        (await gateway.inject({ method: 'GET', url: '/healthz', headers: auth.as(user(sub)) })).statusCode;
      for (let i = 0; i < 9; i++) expect(await get()).toBe(200);
      await sleep(500); // many flushes: none of them writes a count of 9
      expect(await stored(`caller:${sub}`, 1_000, window)).toBe(0);
      expect(await get()).toBe(200);
      expect(
        await pollUntil(
          async () => (await stored(`caller:${sub}`, 1_000, window)) === 10,
          Date.now() + 5_000,
        ),
      ).toBe(true);
      // Shared from then on: each new request is written, one more makes 11.
      expect(await get()).toBe(200);
      expect(
        await pollUntil(
          async () => (await stored(`caller:${sub}`, 1_000, window)) === 11,
          Date.now() + 5_000,
        ),
      ).toBe(true);
    } finally {
      await gateway.close();
      await closeBus(nc);
    }
  });
});

describe('the rate limit without NATS', () => {
  it.skipIf(process.env.NATS_URL)(
    'counts per copy, says so once, never answers 5xx, and shares again once NATS is back',
    async () => {
      const own = await startNats();
      const port = Number(new URL(own.url).port);
      const lines: { level: number; msg: string }[] = [];
      const log = createLogger({
        name: 'test',
        level: 'info',
        destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
      });
      const nc = await connectBus({ servers: own.url, name: 'gateway-alone', log: silentLog });
      const gateway = await buildServer({
        nc,
        log,
        requestTimeoutMs: 2_000,
        bodyLimit: 1_048_576,
        auth: auth.settings,
        rateLimit: { ...LIMITS, max: 3 },
      });
      let again: NatsHandle | undefined;
      const bucketOn = async (url: string) => {
        const probe = await connectBus({ servers: url, name: 'test-probe', log: silentLog });
        try {
          const bucket = await new Kvm(jetstream(probe)).open(RATE_LIMIT_BUCKET);
          const entry = await bucket.get(countKey(`caller:${me.sub}`, WINDOW_MS, 3, window));
          return entry?.operation === 'PUT' ? Number(entry.string()) : 0;
        } catch {
          return -1;
        } finally {
          await closeBus(probe);
        }
      };
      const window = await inWindow();
      const me = user(`alone-${randomBytes(4).toString('hex')}`);
      try {
        const status = async () =>
          (await gateway.inject({ method: 'GET', url: '/healthz', headers: auth.as(me) })).statusCode;
        expect(await status()).toBe(200);
        expect(await pollUntil(async () => (await bucketOn(own.url)) === 1, Date.now() + 10_000)).toBe(true);
        await own.stop();

        // The copy's own limit of 3 holds: two more, then 429; nothing else.
        expect([await status(), await status(), await status(), await status()]).toEqual([
          200, 200, 429, 429,
        ]);
        const fallBack = (l: { msg: string }) => l.msg.startsWith('rate limits: the shared counts');
        expect(await pollUntil(async () => lines.some(fallBack), Date.now() + 20_000)).toBe(true);
        await sleep(500); // more flushes pass meanwhile
        expect(lines.filter(fallBack)).toHaveLength(1);
        expect(lines.filter(fallBack)[0]?.level).toBe(40);
        expect(await status()).toBe(429);

        // A new server (an empty store) on the same port: the two requests counted meanwhile are
        // written there, and the copy says it shares again.
        again = await startNats({ port });
        const back = (l: { msg: string }) => l.msg === 'rate limits: counted across the gateway copies again';
        expect(await pollUntil(async () => lines.some(back), Date.now() + 30_000)).toBe(true);
        expect(await bucketOn(again.url)).toBe(2);
      } finally {
        await gateway.close();
        await closeBus(nc);
        await again?.stop();
      }
    },
  );
});
