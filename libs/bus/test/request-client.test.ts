import { AppError, ErrorCode } from '@im/contracts';
import { type NatsHandle, startNats } from '@im/testkit';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeBus,
  connectBus,
  defineEndpoint,
  type NatsConnection,
  RequestClient,
  startService,
} from '../src/index.js';
import { failure, SERVICE, silentLog } from './fixture.js';

const log = silentLog;
const encode = (value: unknown) => Buffer.from(JSON.stringify(value));
const decode = (bytes: Uint8Array) => JSON.parse(Buffer.from(bytes).toString('utf8'));
/** Internal clients name themselves once; the gateway names each HTTP caller per request. */

let nats: NatsHandle;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startNats();
  nc = await connectBus({ servers: nats.url, name: 'test', log });
  await startService(nc, {
    name: 'im-test',
    version: '0.0.1',
    description: 'test service',
    log,
    endpoints: [
      defineEndpoint({
        name: 'echo',
        subject: 'test.echo',
        request: Type.Object({ client_id: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
        handle: async ({ client_id }, ctx) => ({ client_id, request_id: ctx.requestId, caller: ctx.caller }),
      }),
      defineEndpoint({
        name: 'fails',
        subject: 'test.fails',
        request: Type.Object({}),
        handle: async () => {
          throw new AppError(ErrorCode.GroupNotFound, 'group 7 not found', { group_id: 7 });
        },
      }),
      defineEndpoint({
        name: 'breaks',
        subject: 'test.breaks',
        request: Type.Object({}),
        handle: async () => {
          throw new Error('database password is hunter2');
        },
      }),
      defineEndpoint({
        name: 'slow',
        subject: 'test.slow',
        request: Type.Object({}),
        handle: () => new Promise((resolve) => setTimeout(() => resolve({}), 1_000)),
      }),
    ],
  });
});

afterAll(async () => {
  await closeBus(nc);
  await nats.stop();
});

describe('RequestClient against a real nats-server', () => {
  it('returns the reply bytes and carries the request id', async () => {
    const client = new RequestClient(nc, { timeoutMs: 2_000, caller: SERVICE });
    const reply = decode(await client.request('test.echo', encode({ client_id: 'u1' }), 'req-42'));
    expect(reply).toEqual({
      client_id: 'u1',
      request_id: 'req-42',
      caller: { sub: 'svc-test', orgs: [], role: 'service' },
    });
    client.close();
  });

  it('hands the handler the caller named per request, over the client default', async () => {
    const client = new RequestClient(nc, { timeoutMs: 2_000, caller: SERVICE });
    const asUser = '{"sub":"c565","orgs":[1,2],"role":"user"}';
    const reply = decode(await client.request('test.echo', encode({ client_id: 'u1' }), 'r', asUser));
    expect(reply.caller).toEqual({ sub: 'c565', orgs: [1, 2], role: 'user' });
    // The same header again is served from the decoded cache: still the same caller.
    const again = decode(await client.request('test.echo', encode({ client_id: 'u1' }), 'r', asUser));
    expect(again.caller).toEqual(reply.caller);
    client.close();
  });

  it('refuses (401, 1005) a request without a caller or with one that does not fit, before validating it', async () => {
    const anonymous = new RequestClient(nc, { timeoutMs: 2_000 });
    const missing = await failure(anonymous.request('test.echo', encode({ client_id: '' })));
    expect(missing.code).toBe(ErrorCode.AuthFailed);
    expect(missing.status).toBe(401);
    expect(missing.message).toBe('Im-Caller: missing: every request must name its caller');
    const cases: [string, RegExp][] = [
      ['not json', /^Im-Caller: must be JSON$/],
      ['{"sub":"a:b","orgs":[],"role":"user"}', /^Im-Caller: sub: must be a client id/],
      [
        '{"sub":"a","orgs":[0],"role":"user"}',
        /^Im-Caller: orgs\[0\]: must be a list of at most 1000 positive/,
      ],
      ['{"sub":"a","orgs":[],"role":"root"}', /^Im-Caller: role: must be 'user', 'org_admin' or 'service'$/],
      ['{"sub":"a","orgs":[],"role":"user","admin":true}', /^Im-Caller: admin: /],
      ['{"sub":"a","role":"user"}', /^Im-Caller: orgs: /],
    ];
    for (const [header, message] of cases) {
      const error = await failure(anonymous.request('test.echo', encode({ client_id: 'u1' }), 'r', header));
      expect(error.code).toBe(ErrorCode.AuthFailed);
      expect(error.message).toMatch(message);
    }
    anonymous.close();
  });

  it('rebuilds a service error with its code, message and data', async () => {
    const client = new RequestClient(nc, { timeoutMs: 2_000, caller: SERVICE });
    const error = await failure(client.request('test.fails', encode({})));
    expect(error.code).toBe(7003);
    expect(error.status).toBe(404);
    expect(error.message).toBe('group 7 not found');
    expect(error.data).toEqual({ group_id: 7 });
    client.close();
  });

  it('answers a bad request with a 400 naming the field', async () => {
    const client = new RequestClient(nc, { timeoutMs: 2_000, caller: SERVICE });
    const error = await failure(client.request('test.echo', encode({ client_id: '' })));
    expect(error.code).toBe(1000);
    expect(error.message).toMatch(/^client_id: /);
    const extra = await failure(client.request('test.echo', encode({ client_id: 'a', x: 1 })));
    expect(extra.message).toMatch(/^x: /);
    const notJson = await failure(client.request('test.echo', Buffer.from('{oops')));
    expect(notJson.message).toBe('body: must be JSON');
    client.close();
  });

  it('hides an unexpected error behind a bare 500', async () => {
    const client = new RequestClient(nc, { timeoutMs: 2_000, caller: SERVICE });
    const error = await failure(client.request('test.breaks', encode({})));
    expect(error.code).toBe(1007);
    expect(error.status).toBe(500);
    expect(error.message).not.toContain('hunter2');
    client.close();
  });

  it('fails fast with 503 when nobody serves the subject', async () => {
    const client = new RequestClient(nc, { timeoutMs: 5_000, caller: SERVICE });
    const started = Date.now();
    const error = await failure(client.request('im.nobody.home', encode({})));
    expect(error.status).toBe(503);
    expect(error.message).toContain('the nobody service is unavailable');
    expect(Date.now() - started).toBeLessThan(4_000);
    client.close();
  });

  it('times out with 504 when the service does not answer in time', async () => {
    const client = new RequestClient(nc, { timeoutMs: 200, caller: SERVICE });
    const error = await failure(client.request('test.slow', encode({})));
    expect(error.status).toBe(504);
    expect(error.retryable).toBe(true);
    client.close();
  });

  it('keeps concurrent requests apart', async () => {
    const client = new RequestClient(nc, { timeoutMs: 5_000, caller: SERVICE });
    const ids = Array.from({ length: 200 }, (_, i) => `c${i}`);
    const replies = await Promise.all(
      ids.map(async (id) => decode(await client.request('test.echo', encode({ client_id: id })))),
    );
    expect(replies.map((r) => r.client_id)).toEqual(ids);
    client.close();
  });
});
