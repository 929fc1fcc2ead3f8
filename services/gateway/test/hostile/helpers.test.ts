import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseResponse, send } from './http.js';
import { hostileSeed, Prng } from './prng.js';
import { fits } from './schema.js';

// The hostile suite's own machinery: its oracle, its randomness and its HTTP reader must be right
// for its verdicts to mean anything.
describe('the hostile suite’s schema oracle', () => {
  const id = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[^:]+$' };
  it('takes CR, LF, NUL and wildcards as ids, counts characters as code points, refuses ":"', () => {
    for (const value of ['a\r\nb', 'a\u0000b', '*', '>', '😀'.repeat(64)])
      expect(fits(id, value, false)).toBe(true);
    for (const value of ['', 'a:b', 'x'.repeat(65), '😀'.repeat(65)])
      expect(fits(id, value, false)).toBe(false);
  });

  it('coerces text to numbers and booleans only when asked, as the gateway does', () => {
    const page = { type: 'integer', minimum: 1, maximum: 100 };
    expect(fits(page, '7', true)).toBe(true);
    expect(fits(page, '7', false)).toBe(false);
    for (const value of ['', ' ', '*', '1.5', '0', '101', '😀']) expect(fits(page, value, true)).toBe(false);
    expect(fits({ type: 'boolean' }, 'true', true)).toBe(true);
    expect(fits({ type: 'boolean' }, 'yes', true)).toBe(false);
  });

  it('checks objects: required members, no others when the schema says so, each member its schema', () => {
    const body = {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: { name: id },
    };
    expect(fits(body, { name: 'a' }, false)).toBe(true);
    expect(fits(body, {}, false)).toBe(false);
    expect(fits(body, { name: 'a', $where: '1' }, false)).toBe(false);
    expect(fits(body, { name: 'a:b' }, false)).toBe(false);
  });
});

describe('the hostile suite’s randomness', () => {
  it('repeats itself for a seed and differs between seeds', () => {
    const draw = (seed: number) => {
      const prng = new Prng(seed);
      return Array.from({ length: 5 }, () => prng.below(1_000));
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
    expect(hostileSeed({})).toBe(hostileSeed({ HOSTILE_SEED: '' }));
    expect(hostileSeed({ HOSTILE_SEED: '42' })).toBe(42);
    expect(() => hostileSeed({ HOSTILE_SEED: 'x' })).toThrow(/HOSTILE_SEED/);
  });
});

describe('the hostile suite’s HTTP reader', () => {
  it('reads a chunked answer and keeps the header lines as they came', () => {
    const raw = Buffer.from(
      'HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{"a"\r\n3\r\n:1}\r\n0\r\n\r\n',
    );
    const res = parseResponse(raw);
    expect(res.status).toBe(400);
    expect(res.body.toString()).toBe('{"a":1}');
    expect(res.headers).toContainEqual(['content-type', 'application/json']);
  });

  it('says so when the connection closed without an answer', () => {
    expect(() => parseResponse(Buffer.alloc(0))).toThrow(/without an answer/);
  });

  it('hangs up on an event stream once its head has come, instead of waiting for an end that never comes', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      res.write(': ping\n\n');
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await send(port, { method: 'GET', target: '/stream', headers: [] });
      expect(res.status).toBe(200);
      expect(res.headers).toContainEqual(['content-type', 'text/event-stream; charset=utf-8']);
      expect(res.body.length).toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise((closed) => server.close(closed));
    }
  });
});
