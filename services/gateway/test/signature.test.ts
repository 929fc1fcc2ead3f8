import { createHmac } from 'node:crypto';
import { AppKeys, startSignatureService } from '@im/signature-service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GroupGatewayHarness, startGroupGateway } from './group-harness.js';
import { type Claims, silentLog, user } from './helpers.js';

const KEY = 'test-master-key';
// The group service runs too: invite and kick ask it who owns the conversation (none does here).
let h: GroupGatewayHarness;

beforeAll(async () => {
  h = await startGroupGateway();
  await startSignatureService({
    nc: h.nc,
    log: silentLog,
    appKeys: AppKeys.parse(JSON.stringify({ '1': KEY })),
  });
});
afterAll(() => h.close());

/** The documented strings, built here from the reply's own fields: independent of the service's code. */
const hmac = (message: string) => createHmac('sha1', KEY).update(message).digest('hex');

/** As the client the URL signs for (`u1` unless told): a user may only sign for itself. */
async function get(url: string, as: Claims = user('u1')) {
  const res = await h.gateway.inject({ method: 'GET', url, headers: h.auth.as(as) });
  return { status: res.statusCode, body: res.json(), headers: res.headers };
}

describe('signature endpoints over HTTP → NATS → service', () => {
  it('login returns the document fields and a signature over app_id:client_id::timestamp:nonce', async () => {
    const { status, body } = await get('/signature/login/1/u1');
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['app_id', 'client_id', 'nonce', 'signature', 'timestamp']);
    expect(body).toMatchObject({ app_id: '1', client_id: 'u1' });
    expect(body.nonce).toMatch(/^[A-Za-z0-9]{8}$/);
    expect(body.timestamp).toMatch(/^\d{10}$/); // integer seconds by default
    expect(body.signature).toBe(hmac(`1:u1::${body.timestamp}:${body.nonce}`));
  });

  it('conversion (and the conversation alias) normalizes and signs the member list', async () => {
    for (const spelling of ['conversion', 'conversation']) {
      const { status, body } = await get(`/signature/${spelling}/1/u1/6:4:5:4:3`);
      expect(status).toBe(200);
      expect(body.sorted_member_ids).toBe('3:4:5:6');
      expect(body.signature).toBe(hmac(`1:u1:3:4:5:6:${body.timestamp}:${body.nonce}`));
    }
  });

  it('invite and kick sign with the action and answer conversion_id', async () => {
    for (const action of ['invite', 'kick']) {
      const { status, body } = await get(`/signature/${action}/1/u2/conv9/5:4:6`, user('u2'));
      expect(status).toBe(200);
      expect(body).toMatchObject({
        action,
        conversion_id: 'conv9',
        sorted_member_ids: '4:5:6',
        client_id: 'u2',
      });
      expect(body.signature).toBe(hmac(`1:u2:conv9:4:5:6:${body.timestamp}:${body.nonce}:${action}`));
    }
  });

  it('invite without members is the join case, with or without the trailing slash', async () => {
    for (const url of ['/signature/invite/1/u2/conv9', '/signature/invite/1/u2/conv9/']) {
      const { status, body } = await get(url, user('u2'));
      expect(status).toBe(200);
      expect(body.sorted_member_ids).toBe('');
      expect(body.signature).toBe(hmac(`1:u2:conv9::${body.timestamp}:${body.nonce}:invite`));
    }
  });
});

describe('bad input', () => {
  it.each([
    ['/signature/login/a:b/u1', 'app_id'],
    ['/signature/login/1/a:b', 'client_id'],
    [`/signature/login/1/${'x'.repeat(65)}`, 'client_id'],
    ['/signature/conversion/1/u1/3::4', 'sorted_member_ids'],
    ['/signature/conversion/1/u1/3:', 'sorted_member_ids'],
    ['/signature/invite/1/u1/c:d/3', 'conversion_id'],
    ['/signature/kick/1/u1/conv', 'sorted_member_ids'],
    ['/signature/kick/1/u1/conv/', 'sorted_member_ids'],
  ])('%s → 400 naming %s', async (url, field) => {
    const { status, body } = await get(url);
    expect(status).toBe(400);
    expect(body.error_code).toBe(1000);
    expect(body.msg.startsWith(`${field}: `)).toBe(true);
    expect(body.request).toBe(`GET ${url}`);
  });

  it('unknown app → 404 naming the app, without any key', async () => {
    const { status, body } = await get('/signature/login/nope/u1');
    expect(status).toBe(404);
    expect(body).toMatchObject({ error_code: 1001, request: 'GET /signature/login/nope/u1' });
    expect(body.msg).toContain('nope');
    expect(JSON.stringify(body)).not.toContain(KEY);
  });

  it('unknown route → 404; wrong method → 405 with Allow', async () => {
    const missing = await get('/signature/nothing/1/u1');
    expect(missing.status).toBe(404);
    expect(missing.body.error_code).toBe(1001);
    const wrong = await h.gateway.inject({
      method: 'POST',
      url: '/signature/login/1/u1',
      headers: h.auth.as(user('u1')),
    });
    expect(wrong.statusCode).toBe(405);
    expect(wrong.headers.allow).toBe('GET');
    expect(wrong.json().error_code).toBe(1010);
  });

  it('carries a caller-given request id back', async () => {
    const res = await h.gateway.inject({
      method: 'GET',
      url: '/signature/login/1/u1',
      headers: { 'x-request-id': 'abc-123', ...h.auth.as(user('u1')) },
    });
    expect(res.headers['x-request-id']).toBe('abc-123');
  });
});

describe('health', () => {
  it('healthz is 200 and readyz sees the signature service', async () => {
    expect((await get('/healthz')).status).toBe(200);
    // The broadcast service is not running in this harness; the full stack's readiness is tested end to end.
    const ready = await get('/readyz');
    expect(ready.body.services['im-signature']).toBe(true);
  });
});
