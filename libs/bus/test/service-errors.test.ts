import { AppError, ErrorCode, encodeCaller, safeText } from '@im/contracts';
import { createLogger } from '@im/log';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeBus,
  connectBus,
  defineEndpoint,
  EncodedReply,
  type NatsConnection,
  RequestClient,
  SERVICE_ERROR_CODE_HEADER,
  SERVICE_ERROR_HEADER,
  startService,
} from '../src/index.js';
import { type SmallNats, startNatsWithMaxPayload } from './nats-with-max-payload.js';

/**
 * One bad message never ends a service: handlers that throw text full of control characters, that
 * reject with anything, that return what JSON cannot encode or a reply the bus cannot carry, and
 * requests that are not JSON. Each gets an error reply with a safe message, and the service
 * answers normally afterwards. The server carries 64 KiB messages, so a too-large reply is cheap.
 */
const MAX_PAYLOAD = 65_536;
const HOSTILE = `\r\nSet-Cookie: a=b\u0000\u2028\u001b[31mred\u001b[0m${'x'.repeat(10_000)}`;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const SERVICE = encodeCaller({ sub: 'svc-test', orgs: [], role: 'service' });

const lines: Record<string, unknown>[] = [];
const log = createLogger({
  name: 'test',
  level: 'info',
  destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
});

let nats: SmallNats;
let nc: NatsConnection;
let client: RequestClient;

const cyclic: Record<string, unknown> = { a: 1 };
cyclic.self = cyclic;

const Empty = Type.Object({});
const endpoint = (name: string, handle: () => unknown) =>
  defineEndpoint({ name, subject: `test.hostile.${name}`, request: Empty, handle });

beforeAll(async () => {
  nats = await startNatsWithMaxPayload(MAX_PAYLOAD);
  nc = await connectBus({ servers: nats.url, name: 'test', log });
  client = new RequestClient(nc, { timeoutMs: 5_000, caller: SERVICE });
  await startService(nc, {
    name: 'im-hostile',
    version: '0.0.1',
    description: 'handlers that misbehave',
    log,
    endpoints: [
      endpoint('echo', async () => ({ ok: true })),
      endpoint('quotes', async () => {
        throw new AppError(ErrorCode.NotFound, `app_id: app ${JSON.stringify(HOSTILE)} not found ${HOSTILE}`);
      }),
      endpoint('syncThrow', () => {
        throw new AppError(ErrorCode.InvalidParameter, `client_id: ${HOSTILE}`);
      }),
      endpoint('unicode', async () => {
        throw new AppError(ErrorCode.NotFound, 'class_id: 班级 "七年级" not found 😀');
      }),
      endpoint('rejects', () => Promise.reject(new Error(`database said ${HOSTILE}`))),
      endpoint('rejectsString', () => Promise.reject(`plain ${HOSTILE}`)),
      endpoint('rejectsNullProto', () => Promise.reject(Object.create(null))),
      endpoint('bigint', async () => ({ n: 10n })),
      endpoint('cycle', async () => cyclic),
      endpoint('badData', async () => {
        throw new AppError(ErrorCode.Conflict, 'conflict: with data that cannot be encoded', { n: 1n });
      }),
      endpoint('hugeData', async () => {
        throw new AppError(ErrorCode.InvalidParameter, 'member_client_ids: too many', {
          rejected: 'x'.repeat(MAX_PAYLOAD),
        });
      }),
      endpoint('tooLarge', async () => ({ s: 'x'.repeat(MAX_PAYLOAD) })),
      endpoint('tooLargeUnicode', async () => ({ s: '班'.repeat(MAX_PAYLOAD / 3) })),
      endpoint('tooLargeEncoded', async () => new EncodedReply({ s: '班'.repeat(MAX_PAYLOAD / 3) })),
      endpoint('encoded', async () => new EncodedReply({ name: '班级 "七年级"', n: [1, 2] })),
    ],
  });
});

afterAll(async () => {
  client?.close();
  if (nc) await closeBus(nc);
  await nats?.stop();
});

async function failure(subject: string, payload: Uint8Array = Buffer.from('{}')): Promise<AppError> {
  try {
    await client.request(subject, payload, `req-${subject}`);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error(`expected ${subject} to fail`);
}

async function stillServes(): Promise<void> {
  const reply = await client.request('test.hostile.echo', Buffer.from('{}'));
  expect(JSON.parse(Buffer.from(reply).toString())).toEqual({ ok: true });
}

const linesAbout = (subject: string) => lines.filter((line) => line.reqId === `req-${subject}`);

describe('a service whose handlers misbehave', () => {
  it('answers an AppError holding CR/LF, NUL, U+2028, ANSI escapes and 10,000 characters, with a safe message', async () => {
    for (const name of ['quotes', 'syncThrow']) {
      const subject = `test.hostile.${name}`;
      const error = await failure(subject);
      expect(error.code).toBe(name === 'quotes' ? ErrorCode.NotFound : ErrorCode.InvalidParameter);
      expect(error.message).not.toMatch(UNSAFE);
      expect(error.message.length).toBeLessThan(4_000);
      expect(error.message).toMatch(
        name === 'quotes' ? /^app_id: app "\\r\\nSet-Cookie/ : /^client_id: \\r\\n/,
      );
      await stillServes();
    }
  });

  it('carries the message in the reply body; the header holds printable ASCII only', async () => {
    const reply = await nc.request('test.hostile.quotes', '{}', {
      timeout: 5_000,
      headers: (() => {
        const h = natsHeaders();
        h.set('Im-Caller', SERVICE);
        return h;
      })(),
    });
    expect(reply.headers?.get(SERVICE_ERROR_CODE_HEADER)).toBe(String(ErrorCode.NotFound));
    expect(reply.headers?.get(SERVICE_ERROR_HEADER)).toMatch(/^[\x20-\x7e]+$/);
    const body = reply.json<{ error_code: number; msg: string }>();
    expect(body.error_code).toBe(ErrorCode.NotFound);
    expect(body.msg).toBe(safeText(`app_id: app ${JSON.stringify(HOSTILE)} not found ${HOSTILE}`));
    // What the header cannot hold (non-ASCII) comes back whole from the body.
    const unicode = await failure('test.hostile.unicode');
    expect(unicode.message).toBe('class_id: 班级 "七年级" not found 😀');
  });

  it('answers a rejection of any kind as a bare 500, logged once with its message made safe', async () => {
    for (const name of ['rejects', 'rejectsString', 'rejectsNullProto']) {
      const subject = `test.hostile.${name}`;
      const error = await failure(subject);
      expect(error.code).toBe(ErrorCode.ServerError);
      expect(error.message).toBe('internal error');
      const logged = linesAbout(subject);
      expect(logged).toHaveLength(1);
      expect(logged[0]!.msg).toBe('unhandled error in handler');
      expect((logged[0]!.err as { message: string }).message).not.toMatch(UNSAFE);
      await stillServes();
    }
    const err = linesAbout('test.hostile.rejects')[0]!.err as { message: string; stack: string };
    expect(err.message).not.toMatch(UNSAFE);
    expect(err.message.startsWith('database said \\r\\nSet-Cookie: a=b\\u0000\\u2028\\u001b[31m')).toBe(true);
    // The stack keeps its frames on their own lines, but the message in it is the safe one.
    expect(err.stack.split('\n')[0]).toBe(`Error: ${err.message}`);
  });

  it('answers a result JSON cannot encode (a BigInt, a cycle) as a 500, logged once', async () => {
    for (const name of ['bigint', 'cycle']) {
      const subject = `test.hostile.${name}`;
      const error = await failure(subject);
      expect(error.code).toBe(ErrorCode.ServerError);
      expect(linesAbout(subject)).toHaveLength(1);
      await stillServes();
    }
  });

  it('keeps the error when only its data cannot be encoded, or would not fit the bus', async () => {
    const error = await failure('test.hostile.badData');
    expect(error.code).toBe(ErrorCode.Conflict);
    expect(error.message).toBe('conflict: with data that cannot be encoded');
    expect(error.data).toBeUndefined();
    await stillServes();
    const huge = await failure('test.hostile.hugeData');
    expect(huge.code).toBe(ErrorCode.InvalidParameter);
    expect(huge.message).toBe('member_client_ids: too many');
    expect(huge.data).toBeUndefined();
    await stillServes();
  });

  it('answers a reply larger than max_payload as a 500 saying so, logged once', async () => {
    for (const name of ['tooLarge', 'tooLargeUnicode', 'tooLargeEncoded']) {
      const subject = `test.hostile.${name}`;
      const error = await failure(subject);
      expect(error.code).toBe(ErrorCode.ServerError);
      expect(error.message).toMatch(
        new RegExp(
          `^the hostile service's reply is too large: \\d+ bytes, more than the message bus carries \\(${MAX_PAYLOAD}\\)$`,
        ),
      );
      expect(linesAbout(subject)).toHaveLength(1);
      await stillServes();
    }
  });

  it('sends a reply encoded by the handler (EncodedReply) as those bytes', async () => {
    const reply = await client.request('test.hostile.encoded', Buffer.from('{}'));
    expect(Buffer.from(reply).toString()).toBe('{"name":"班级 \\"七年级\\"","n":[1,2]}');
  });

  it('answers a body that is not JSON (or not UTF-8, or not an object) with a 400', async () => {
    const bodies = [
      Buffer.from('{oops'),
      Buffer.from([0xff, 0xfe, 0x00, 0x0d, 0x0a]),
      Buffer.from('"\\r\\n"'),
    ];
    for (const body of bodies) {
      const error = await failure('test.hostile.echo', body);
      expect(error.code).toBe(ErrorCode.InvalidParameter);
      expect(error.message).not.toMatch(UNSAFE);
    }
    await stillServes();
  });
});
