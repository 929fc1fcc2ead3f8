import { ErrorCode } from '@im/contracts';
import { pollUntil } from '@im/testkit';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBus, connectBus, defineEndpoint, type NatsConnection, RequestClient } from '../src/index.js';
import { failure, SERVICE, silentLog, startGroupStandIn } from './fixture.js';
import { type SmallNats, startNatsWithMaxPayload } from './nats-with-max-payload.js';

/**
 * What the request client answers by itself, without a service: a payload the bus cannot carry
 * (413, not 503), a timeout whose message says the change may have happened (504), and NATS being
 * away (503 at once, naming NATS, while requests already sent keep waiting).
 */
const MAX_PAYLOAD = 65_536;
const log = silentLog;

let nats: SmallNats;
let services: NatsConnection;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startNatsWithMaxPayload(MAX_PAYLOAD);
  services = await connectBus({ servers: nats.url, name: 'test-services', log });
  nc = await connectBus({ servers: nats.url, name: 'test-client', log });
  await startGroupStandIn(services, [
    defineEndpoint({
      name: 'slow',
      subject: 'im.group.slow',
      request: Type.Object({ ms: Type.Integer() }),
      handle: ({ ms }) => new Promise((resolve) => setTimeout(() => resolve({ slept: ms }), ms)),
    }),
  ]);
});

afterAll(async () => {
  if (nc) await closeBus(nc);
  if (services) await closeBus(services);
  await nats?.stop();
});

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('RequestClient at rest', () => {
  it('keeps no timer while nothing waits: its timeout sweep runs only while a request is pending', async () => {
    const client = new RequestClient(nc, { timeoutMs: 1_000, caller: SERVICE });
    expect(client.sweeping).toBe(false);
    const pending = client.request('im.group.slow', json({ ms: 300 }));
    expect(client.sweeping).toBe(true);
    await pending;
    // The sweep that finds nothing left stops it (a sweep every 100 ms at this timeout).
    expect(await pollUntil(async () => !client.sweeping, Date.now() + 2_000)).toBe(true);
    // And a later request still times out.
    const error = await failure(client.request('im.group.slow', json({ ms: 1_500 })));
    expect(error.status).toBe(504);
    client.close();
  });
});

describe('RequestClient limits', () => {
  it("knows the server's max_payload", () => {
    const client = new RequestClient(nc, { timeoutMs: 2_000, caller: SERVICE });
    expect(client.maxPayload).toBe(MAX_PAYLOAD);
    client.close();
  });

  it('answers a payload larger than the bus carries with 413 naming the body, and sends one that fits', async () => {
    const client = new RequestClient(nc, { timeoutMs: 2_000, caller: SERVICE });
    const big = json({ s: 'x'.repeat(MAX_PAYLOAD) });
    const error = await failure(client.request('im.group.echo', big, 'req-1'));
    expect(error.code).toBe(ErrorCode.PayloadTooLarge);
    expect(error.status).toBe(413);
    expect(error.message).toMatch(
      new RegExp(`^body: ${big.length} bytes, more than the message bus carries \\((\\d+)\\)$`),
    );
    const limit = Number(/\((\d+)\)$/.exec(error.message)![1]);
    expect(limit).toBeLessThan(MAX_PAYLOAD);
    expect(limit).toBeGreaterThan(MAX_PAYLOAD - 1_024);
    // Exactly at the limit still goes through: the headers were counted, not guessed.
    const fits = json({ s: 'x'.repeat(limit - json({ s: '' }).length) });
    expect(fits.length).toBe(limit);
    const reply = JSON.parse(Buffer.from(await client.request('im.group.echo', fits, 'req-1')).toString());
    expect(reply.length).toBe(limit - 8);
    client.close();
  });

  it('says in a 504 that the change may have been made, and how to retry', async () => {
    const client = new RequestClient(nc, { timeoutMs: 300, caller: SERVICE });
    const error = await failure(client.request('im.group.slow', json({ ms: 1_000 })));
    expect(error.code).toBe(ErrorCode.UpstreamTimeout);
    expect(error.message).toBe(
      'the group service did not answer within 300 ms; a change it was asked to make may still have been made: retry with the same Idempotency-Key where the route takes one, or read before retrying',
    );
    client.close();
  });

  it('with no reconnect grace: answers 503 at once while NATS is away, lets sent requests wait, and serves again after', async () => {
    const client = new RequestClient(nc, { timeoutMs: 3_000, caller: SERVICE, reconnectGraceMs: 0 });
    const sent = client.request('im.group.slow', json({ ms: 5_000 }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await nats.pause();
    try {
      expect(await pollUntil(async () => !client.connected, Date.now() + 5_000)).toBe(true);
      const started = Date.now();
      const error = await failure(client.request('im.group.echo', json({ s: 'a' })));
      expect(Date.now() - started).toBeLessThan(200);
      expect(error.code).toBe(ErrorCode.ServiceUnavailable);
      expect(error.message).toBe('NATS is unavailable: the gateway is not connected to the message bus');
      // The request sent before the outage was not failed by it: it waits for its reply or timeout.
      expect((await failure(sent)).code).toBe(ErrorCode.UpstreamTimeout);
    } finally {
      await nats.start();
    }
    expect(await pollUntil(async () => client.connected, Date.now() + 10_000)).toBe(true);
    const ok = await pollUntil(
      () =>
        client.request('im.group.echo', json({ s: 'ab' })).then(
          () => true,
          () => false,
        ),
      Date.now() + 10_000,
    );
    expect(ok).toBe(true);
    client.close();
  });

  it('holds a request made while NATS is away for the grace only: then a 503, not the 504 of the timeout', async () => {
    const client = new RequestClient(nc, { timeoutMs: 30_000, caller: SERVICE, reconnectGraceMs: 300 });
    await nats.pause();
    try {
      expect(await pollUntil(async () => !client.connected, Date.now() + 5_000)).toBe(true);
      const error = await failure(client.request('im.group.echo', json({ s: 'abc' })));
      expect(error.code).toBe(ErrorCode.ServiceUnavailable);
      expect(error.message).toBe('NATS is unavailable: the gateway is not connected to the message bus');
    } finally {
      await nats.start();
    }
    client.close();
  });
});
