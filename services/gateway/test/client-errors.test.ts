import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayHarness, startGatewayHarness } from './helpers.js';

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (a malformed request line, a
 * forbidden character in a header, headers past the size limit) answer in the API's error shape
 * `{error_code, msg, request}` as JSON, and close the connection. Sent over a raw socket: no
 * HTTP client would send these.
 */
let h: GatewayHarness;
let port: number;

beforeAll(async () => {
  h = await startGatewayHarness();
  await h.gateway.listen({ host: '127.0.0.1', port: 0 });
  port = (h.gateway.server.address() as { port: number }).port;
});
afterAll(async () => {
  await h?.close();
});

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** Writes `bytes`, reads until the server closes, and parses the one answer. */
function send(bytes: string | Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      if (split === -1) return reject(new Error(`no HTTP answer: ${JSON.stringify(text)}`));
      const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [
          line.slice(0, line.indexOf(':')).toLowerCase(),
          line.slice(line.indexOf(':') + 1).trim(),
        ]),
      );
      try {
        resolve({
          status: Number(statusLine!.split(' ')[1]),
          headers,
          body: JSON.parse(text.slice(split + 4)),
        });
      } catch (error) {
        reject(error);
      }
    });
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer within 5 s')));
    socket.write(bytes);
  });
}

function expectShape(answer: RawAnswer, status: number, code: number, request: string, msg: RegExp): void {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(answer.headers.connection).toBe('close');
  expect(answer.headers['x-request-id']).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
  expect(Object.keys(answer.body).sort()).toEqual(['error_code', 'msg', 'request']);
  expect(answer.body).toMatchObject({ error_code: code, request });
  expect(answer.body.msg).toMatch(msg);
  expect(JSON.stringify(answer.body)).not.toContain('Bad Request');
}

describe("errors of Node's HTTP parser", () => {
  it('answer a malformed request line with 400 in the documented shape', async () => {
    expectShape(await send('GARBAGE\r\n\r\n'), 400, 1000, '-', /^request: /);
    expectShape(await send('GET /im/group HTTP/9\r\n\r\n'), 400, 1000, '-', /^request: /);
  });

  it('answer a header holding a forbidden character with 400, naming the request line', async () => {
    const answer = await send('GET /im/group/1 HTTP/1.1\r\nHost: a\r\nX-Bad: a\u0001b\r\n\r\n');
    expectShape(answer, 400, 1000, 'GET /im/group/1', /^request: a header name or value holds a character/);
    const ansi = await send('GET /healthz HTTP/1.1\r\nHost: a\r\nX-\u001b[31m: red\r\n\r\n');
    expectShape(ansi, 400, 1000, 'GET /healthz', /^request: /);
  });

  it('answer Content-Length beside Transfer-Encoding with 400', async () => {
    const answer = await send(
      'POST /im/group HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    );
    expectShape(answer, 400, 1000, 'POST /im/group', /^request: /);
  });

  it('answer headers past the size limit with 431 (1011)', async () => {
    const answer = await send(`GET /healthz HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expectShape(answer, 431, 1011, 'GET /healthz', /^headers: larger than the gateway accepts$/);
  });

  it('leave the gateway serving', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
  });
});
