import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { AppError, ErrorCode, safeText } from '@im/contracts';
import type { Logger } from '@im/log';
import { newRequestId } from './request-id.js';

/**
 * What Node's HTTP parser reports (`clientError`): a code, and the bytes it choked on (a Buffer
 * at run time, whatever Fastify's type says).
 */
interface ClientError extends Error {
  code?: string;
  rawPacket?: unknown;
}

interface Refusal {
  status: number;
  error: AppError;
}

/** How long a refused connection may stay open for the peer to read the answer and close. */
const LINGER_MS = 1_000;
const answered = new WeakSet<Socket>();

/**
 * Errors Node's HTTP parser raises before there is a request (a malformed request line, a header
 * with characters HTTP forbids, headers past the size limit, a request that did not arrive in
 * time), answered in the API's own shape, `{error_code, msg, request}`, instead of Fastify's.
 * There is no request object yet, so the answer is written raw to the socket, which then closes:
 * the parser cannot find the next request in what follows. For Fastify's `clientErrorHandler`.
 */
export function clientErrorHandler(log: Logger): (error: ClientError, socket: Socket) => void {
  return (error, socket) => answerClientError(log, error, socket);
}

function answerClientError(log: Logger, error: ClientError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return;
  const { status, error: refusal } = refusalFor(error);
  const requestId = newRequestId();
  log.debug({ reqId: requestId, code: safeText(String(error.code), 64), status }, 'client error');
  // A response already being written cannot be followed by another on the same connection.
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  answered.add(socket);
  const body = JSON.stringify(refusal.toBody(requestLabel(error.rawPacket)));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Cache-Control: no-store\r\n' +
      'X-Content-Type-Options: nosniff\r\n' +
      `X-Request-Id: ${requestId}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
  // Closing at once could reset the connection before the peer has read the answer.
  const linger = setTimeout(() => socket.destroy(), LINGER_MS);
  linger.unref();
  socket.once('close', () => clearTimeout(linger));
}

/** Parser error codes (llhttp's `HPE_*`, Node's own) to an HTTP status and our error family. */
function refusalFor(error: ClientError): Refusal {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        error: new AppError(ErrorCode.PayloadTooLarge, 'headers: larger than the gateway accepts'),
      };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return {
        status: 413,
        error: new AppError(
          ErrorCode.PayloadTooLarge,
          'body: chunk extensions larger than the gateway accepts',
        ),
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        error: new AppError(ErrorCode.InvalidParameter, 'request: not received in time'),
      };
    default:
      return {
        status: 400,
        error: new AppError(
          ErrorCode.InvalidParameter,
          `request: ${PROBLEMS[error.code ?? ''] ?? 'not valid HTTP/1.1'}`,
        ),
      };
  }
}

const PROBLEMS: Partial<Record<string, string>> = {
  HPE_INVALID_METHOD: 'the method is not one HTTP knows',
  HPE_INVALID_URL: 'the request target is not a valid URL path',
  HPE_INVALID_VERSION: 'the HTTP version is not valid',
  HPE_INVALID_CONSTANT: 'the request line is not valid HTTP/1.1',
  HPE_INVALID_HEADER_TOKEN: 'a header name or value holds a character HTTP does not allow',
  HPE_INVALID_CONTENT_LENGTH: 'Content-Length is not valid',
  HPE_UNEXPECTED_CONTENT_LENGTH: 'Content-Length and Transfer-Encoding must not be sent together',
  HPE_INVALID_TRANSFER_ENCODING: 'Transfer-Encoding is not valid',
  HPE_INVALID_CHUNK_SIZE: 'a chunk size is not valid',
  HPE_LF_EXPECTED: 'a line does not end with CRLF',
  HPE_CR_EXPECTED: 'a line does not end with CRLF',
};

/**
 * `GET /im/group`, from the request line when the parser got that far, for the `request` field;
 * `-` when not even that was readable. The path is cut short and made safe: it may be anything.
 */
function requestLabel(raw: unknown): string {
  const text = Buffer.isBuffer(raw) ? raw.subarray(0, 2_048).toString('latin1') : '';
  const line = /^([A-Z]{1,20}) ([^ \r\n?]{1,1024})[^ \r\n]* HTTP\/\d\.\d\r?\n/.exec(text);
  return line ? safeText(`${line[1]} ${line[2]}`, 256) : '-';
}
