import { connect } from 'node:net';

/**
 * A raw HTTP/1.1 client for hostile requests. `fetch` and `node:http` refuse or rewrite exactly
 * what the suite must send: they resolve `.` and `..` segments (`%2e%2e` too), refuse CR, LF and
 * NUL in a header value, and encode the request target. Here the bytes go out as given, one
 * request per connection (`Connection: close`), and the answer is read back as raw as it came.
 */
export interface RawRequest {
  method: string;
  /** The request target, byte for byte (a string is written as UTF-8). */
  target: string | Buffer;
  /** Header lines, in order; a value is written as UTF-8, whatever it holds. */
  headers: readonly (readonly [string, string])[];
  body?: Buffer;
}

export interface RawResponse {
  status: number;
  /** Header names lowercased, values as sent. */
  headers: [string, string][];
  /** The status line and header lines as they arrived, for checks on injected lines. */
  head: string;
  body: Buffer;
}

const CRLF = '\r\n';
const TIMEOUT_MS = 15_000;

export function encodeRequest(request: RawRequest, host: string): Buffer {
  const ownHost = request.headers.some(([name]) => name.toLowerCase() === 'host');
  const lines = [
    `${request.method} `,
    request.target,
    ` HTTP/1.1${CRLF}`,
    ownHost ? '' : `Host: ${host}${CRLF}`,
  ];
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}${CRLF}`);
  if (request.body) lines.push(`Content-Length: ${request.body.byteLength}${CRLF}`);
  lines.push(`Connection: close${CRLF}${CRLF}`);
  const parts = lines.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : part));
  return Buffer.concat(request.body ? [...parts, request.body] : parts);
}

/** Node's default limit on a request's head (request line and headers); past it, a 431 from the parser. */
export const MAX_HEAD_BYTES = 16_384;

/** Bytes of the request line and headers as `encodeRequest` writes them. */
export function headBytes(request: RawRequest): number {
  const { body: _body, ...head } = request;
  return encodeRequest(head, '127.0.0.1:65535').byteLength;
}

/** An answer that never ends by design (Server-Sent Events): read up to its head, then hung up on. */
const EVENT_STREAM = /\r\ncontent-type:[ \t]*text\/event-stream/i;

/**
 * Sends one request on a fresh connection and reads the answer until the server closes it; an
 * event stream, until its head is complete (its body is left unread and empty).
 */
export function send(port: number, request: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let streamHead: Buffer | undefined;
    socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      const raw = Buffer.concat(chunks);
      const end = raw.indexOf('\r\n\r\n');
      if (
        streamHead === undefined &&
        end !== -1 &&
        EVENT_STREAM.test(raw.subarray(0, end).toString('latin1'))
      ) {
        streamHead = raw.subarray(0, end + 4);
        socket.destroy();
      }
    });
    socket.once('error', reject);
    // A server that answers before reading the whole request may reset the connection after its
    // answer: what arrived still counts.
    socket.once('close', () => {
      try {
        resolve(
          streamHead
            ? { ...parseResponse(streamHead), body: Buffer.alloc(0) }
            : parseResponse(Buffer.concat(chunks)),
        );
      } catch (error) {
        reject(error);
      }
    });
    socket.once('connect', () => socket.write(encodeRequest(request, `127.0.0.1:${port}`)));
  });
}

export function parseResponse(raw: Buffer): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1)
    throw new Error(raw.length === 0 ? 'the connection closed without an answer' : 'an incomplete answer');
  const head = raw.subarray(0, end).toString('latin1');
  const [statusLine = '', ...headerLines] = head.split(CRLF);
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  if (!Number.isInteger(status)) throw new Error(`not an HTTP status line: ${JSON.stringify(statusLine)}`);
  const headers = headerLines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    return colon === -1
      ? [line.toLowerCase(), '']
      : [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
  });
  const rest = raw.subarray(end + 4);
  const chunked = headers.some(([name, value]) => name === 'transfer-encoding' && /chunked/i.test(value));
  const length = headers.find(([name]) => name === 'content-length')?.[1];
  const body = chunked ? dechunk(rest) : length === undefined ? rest : rest.subarray(0, Number(length));
  return { status, headers, head, body };
}

function dechunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = raw.indexOf(CRLF, at);
    if (lineEnd === -1) break;
    const size = Number.parseInt(raw.subarray(at, lineEnd).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
