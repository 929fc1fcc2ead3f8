import { type Agent, get, type IncomingMessage } from 'node:http';
import { type SseEvent, SseParser } from './sse-parser.js';

/** An event as it arrived: the bench's clock (performance.now()) when its last byte was read. */
export interface ArrivedEvent extends SseEvent {
  at: number;
}

/**
 * One open `text/event-stream` response, read by plain node:http (no EventSource: Node has none,
 * and a browser's reconnects would blur what is measured). Events are handed to `onEvent` as
 * they are parsed, stamped with the time their chunk was read.
 */
export interface EventStream {
  /** When the 200 and its headers arrived. */
  openedAt: number;
  /** Comments seen so far (`: ping`). */
  comments: number;
  /** Why the server ended the stream, once it has (undefined while it is open). */
  ended: string | undefined;
  close(): void;
}

export interface OpenOptions {
  agent: Agent;
  headers?: Record<string, string>;
  onEvent(event: ArrivedEvent): void;
  /** A stream that dies once open (the server closed it, a reset). */
  onEnd?(reason: string): void;
  timeoutMs?: number;
}

/**
 * GETs `url` and resolves once the server answered 200 with an event stream; anything else
 * rejects with the status and the start of the body (the gateway's error says why).
 */
export function openEventStream(url: string, options: OpenOptions): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const request = get(url, {
      agent: options.agent,
      headers: { accept: 'text/event-stream', ...options.headers },
      timeout: options.timeoutMs ?? 30_000,
    });
    request.on('timeout', () =>
      request.destroy(new Error(`no answer within ${options.timeoutMs ?? 30_000} ms`)),
    );
    request.on('error', reject);
    request.on('response', (response: IncomingMessage) => {
      const type = String(response.headers['content-type'] ?? '');
      if (response.statusCode !== 200 || !type.startsWith('text/event-stream')) {
        return refuse(response, reject);
      }
      // Open now: an idle stream must stay open however long the bench waits.
      request.setTimeout(0);
      const stream: EventStream = {
        openedAt: performance.now(),
        comments: 0,
        ended: undefined,
        close: () => {
          closing = true;
          request.destroy();
        },
      };
      let closing = false;
      const end = (reason: string) => {
        if (closing || stream.ended !== undefined) return;
        stream.ended = reason;
        options.onEnd?.(reason);
      };
      let chunkAt = 0;
      const parser = new SseParser(
        (event) => options.onEvent({ ...event, at: chunkAt }),
        () => stream.comments++,
      );
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        chunkAt = performance.now();
        parser.push(chunk);
      });
      response.on('end', () => end('the server ended the stream'));
      response.on('error', (error) => end(error.message));
      // Once open, a failing request is the stream's end, not a refusal.
      request.removeListener('error', reject);
      request.on('error', (error) => end(error.message));
      resolve(stream);
    });
  });
}

function refuse(response: IncomingMessage, reject: (error: Error) => void): void {
  let body = '';
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => {
    if (body.length < 300) body += chunk;
  });
  response.on('end', () =>
    reject(
      new Error(
        `status ${response.statusCode} (${response.headers['content-type'] ?? 'no content type'}): ${body.slice(0, 300)}`,
      ),
    ),
  );
  response.on('error', (error) => reject(error));
}
