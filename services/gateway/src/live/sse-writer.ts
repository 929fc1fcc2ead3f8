import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * Server-Sent Events on a response Fastify has handed over (`reply.hijack()`): the head once,
 * then events and comments, then the end. A client that stops reading while events pile up is
 * cut off rather than buffered for without bound; it reconnects with `Last-Event-ID` and is
 * replayed exactly what it missed, so nothing is lost by ending its stream.
 */
const MAX_UNREAD_BYTES = 1 << 20;
/** After the end, a client that does not read the last bytes loses its connection this soon. */
const END_GRACE_MS = 10_000;

export const EVENT_STREAM_TYPE = 'text/event-stream; charset=utf-8';

export class SseWriter {
  readonly #res: ServerResponse;
  #ended = false;

  /** Writes the 200 head with `headers` (the security and CORS headers of the route) and sends it. */
  constructor(
    res: ServerResponse,
    headers: Readonly<Record<string, string | number | string[] | undefined>>,
    draining: boolean,
  ) {
    this.#res = res;
    const head: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined && name !== 'content-length') head[name] = value;
    }
    res.writeHead(200, {
      ...head,
      'content-type': EVENT_STREAM_TYPE,
      // Not cached, not buffered by nginx-like proxies, and the connection stays (unless this
      // copy is going away: then the client's next connection goes elsewhere).
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      connection: draining ? 'close' : 'keep-alive',
    });
    res.flushHeaders();
    // The server's idle timeout is for requests; a stream is quiet between pings by design.
    res.socket?.setTimeout(0);
    res.once('close', () => {
      this.#ended = true;
    });
  }

  get ended(): boolean {
    return this.#ended || this.#res.destroyed;
  }

  /** Runs once, when the client goes away or the stream is ended here. */
  onClose(listener: () => void): void {
    if (this.#res.destroyed) queueMicrotask(listener);
    else this.#res.once('close', listener);
  }

  /** `event: notification`, the seq as `id:`, the JSON (one line) as `data:`. */
  event(name: string, id: number, json: string): void {
    this.#write(`event: ${name}\nid: ${id}\ndata: ${json}\n\n`);
  }

  /** A comment line: clients ignore it, proxies see traffic. */
  comment(text: string): void {
    this.#write(`: ${text}\n\n`);
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#res.socket?.setTimeout(END_GRACE_MS);
    this.#res.end();
  }

  #write(chunk: string): void {
    if (this.ended) return;
    if (this.#res.writableLength > MAX_UNREAD_BYTES) {
      // It stopped reading: waiting for it to take the end would hold the socket just the same.
      this.#ended = true;
      this.#res.destroy();
      return;
    }
    this.#res.write(chunk);
  }
}
