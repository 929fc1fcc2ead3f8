import { compileValidator, ErrorCode, forbidden } from '@im/contracts';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeBus,
  connectBus,
  defineEndpoint,
  type NatsConnection,
  ServiceClient,
  startService,
} from '../src/index.js';
import { failure, SERVICE, silentLog } from './fixture.js';
import { type SmallNats, startNatsWithMaxPayload } from './nats-with-max-payload.js';

/**
 * One service asking another: the answer is checked against its schema; the other side being
 * away passes through as its 503 (named); any refusal or unreadable answer is the two services
 * disagreeing, so the asker's caller gets a bare 500, not the other service's words.
 */
let nats: SmallNats;
let nc: NatsConnection;
let asker: ServiceClient;
const valid = compileValidator(Type.Object({ n: Type.Integer() }));

beforeAll(async () => {
  nats = await startNatsWithMaxPayload(1_048_576);
  nc = await connectBus({ servers: nats.url, name: 'test', log: silentLog });
  asker = new ServiceClient(nc, {
    timeoutMs: 2_000,
    caller: SERVICE,
    client: 'the test service',
    log: silentLog,
  });
  await startService(nc, {
    name: 'im-peer',
    version: '0.0.1',
    description: 'the service asked',
    log: silentLog,
    endpoints: [
      defineEndpoint({
        name: 'ok',
        subject: 'test.peer.ok',
        request: Type.Object({}),
        handle: () => ({ n: 7 }),
      }),
      defineEndpoint({
        name: 'refuses',
        subject: 'test.peer.refuses',
        request: Type.Object({}),
        handle: () => {
          throw forbidden('Im-Caller', 'secret detail of the peer');
        },
      }),
      defineEndpoint({
        name: 'odd',
        subject: 'test.peer.odd',
        request: Type.Object({}),
        handle: () => ({ n: 'x' }),
      }),
    ],
  });
});

afterAll(async () => {
  asker?.close();
  if (nc) await closeBus(nc);
  await nats?.stop();
});

describe('ServiceClient', () => {
  it('returns the checked reply', async () => {
    await expect(asker.ask('test.peer.ok', {}, valid)).resolves.toEqual({ n: 7 });
  });

  it("turns a refusal into a bare 500, keeping the other service's words out", async () => {
    const error = await failure(asker.ask('test.peer.refuses', {}, valid));
    expect(error.code).toBe(ErrorCode.ServerError);
    expect(error.message).toBe('internal error');
  });

  it('turns a reply that breaks its schema into a bare 500', async () => {
    const error = await failure(asker.ask('test.peer.odd', {}, valid));
    expect(error.code).toBe(ErrorCode.ServerError);
  });

  it('passes the other side being away through as a 503 naming it', async () => {
    const error = await failure(asker.ask('test.nobody.home', {}, valid));
    expect(error.code).toBe(ErrorCode.ServiceUnavailable);
    expect(error.message).toMatch(/unavailable/);
  });
});
