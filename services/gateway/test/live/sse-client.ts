import { type IncomingHttpHeaders, request } from 'node:http';

/**
 * A Server-Sent Events reader for tests, on node:http, so that the bytes are read as they came
 * (an EventSource would hide the framing the tests check). One connection per stream. A refusal
 * (any status but 200) is read whole: its JSON error body is in `body`.
 */
export interface SseEvent {
  event: string | undefined;
  id: string | undefined;
  data: string;
  /** The block as it came, without its closing blank line. */
  raw: string;
}

const DEFAULT_WAIT_MS = 30_000;

export class SseStream {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  /** Every byte of the body as text. */
  text = '';
  /** The JSON of a refusal. */
  body: unknown;
  readonly ended: Promise<void>;
  /** The server ended the body properly (the last chunk came), as opposed to a cut connection. */
  endedCleanly = false;
  #isEnded = false;
  #waiters = new Set<() => void>();
  #pending = '';
  readonly #close: () => void;

  private constructor(status: number, headers: IncomingHttpHeaders, ended: Promise<void>, close: () => void) {
    this.status = status;
    this.headers = headers;
    this.ended = ended;
    this.#close = close;
  }

  /** Resolves once the head has come (for a refusal: once the whole body has). */
  static open(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        { headers: { accept: 'text/event-stream', ...headers }, agent: false },
        (res) => {
          let markEnded!: () => void;
          const ended = new Promise<void>((done) => {
            markEnded = done;
          });
          const stream = new SseStream(res.statusCode ?? 0, res.headers, ended, () => req.destroy());
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => stream.#take(chunk));
          const finish = () => {
            if (stream.#isEnded) return;
            stream.endedCleanly = res.complete;
            stream.#isEnded = true;
            markEnded();
            stream.#wake();
          };
          res.once('end', finish);
          res.once('close', finish);
          res.once('error', finish);
          if (stream.status === 200) {
            resolve(stream);
            return;
          }
          void ended.then(() => {
            try {
              stream.body = JSON.parse(stream.text);
            } catch {
              stream.body = stream.text;
            }
            resolve(stream);
          });
        },
      );
      req.once('error', reject);
      req.end();
    });
  }

  get isEnded(): boolean {
    return this.#isEnded;
  }

  /** The notification events (`event: notification`) so far. */
  notifications(): { id: number; data: Record<string, unknown> }[] {
    return this.events
      .filter((e) => e.event === 'notification')
      .map((e) => ({ id: Number(e.id), data: JSON.parse(e.data) as Record<string, unknown> }));
  }

  /** Waits until `done()` holds (checked on every chunk) or the stream ends; true when it holds. */
  async until(done: () => boolean, waitMs = DEFAULT_WAIT_MS): Promise<boolean> {
    const deadline = Date.now() + waitMs;
    while (!done()) {
      if (this.#isEnded || Date.now() >= deadline) return done();
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, Math.max(0, deadline - Date.now()));
        this.#waiters.add(() => {
          clearTimeout(timer);
          wake();
        });
      });
    }
    return true;
  }

  /** Waits for `count` notification events in all. */
  untilNotifications(count: number, waitMs?: number): Promise<boolean> {
    return this.until(() => this.notifications().length >= count, waitMs);
  }

  close(): void {
    this.#close();
  }

  #take(chunk: string): void {
    this.text += chunk;
    if (this.status === 200) {
      this.#pending += chunk;
      for (let end = this.#pending.indexOf('\n\n'); end !== -1; end = this.#pending.indexOf('\n\n')) {
        this.#block(this.#pending.slice(0, end));
        this.#pending = this.#pending.slice(end + 2);
      }
    }
    this.#wake();
  }

  #block(raw: string): void {
    const lines = raw.split('\n');
    if (lines.every((line) => line.startsWith(':'))) {
      this.comments.push(...lines.map((line) => line.slice(1).trim()));
      return;
    }
    const field = (name: string) =>
      lines
        .filter((line) => line.startsWith(`${name}:`))
        .map((line) => line.slice(name.length + 1).replace(/^ /, ''));
    this.events.push({ event: field('event')[0], id: field('id')[0], data: field('data').join('\n'), raw });
  }

  #wake(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }
}
