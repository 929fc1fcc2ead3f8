/** One dispatched Server-Sent Event: its fields as the stream sent them. */
export interface SseEvent {
  /** `event:`; `message` when the stream named none (the SSE default). */
  type: string;
  /** `id:`; undefined when the event carried none. */
  id: string | undefined;
  /** The `data:` lines joined with `\n`. */
  data: string;
}

/**
 * An incremental parser of `text/event-stream` (the WHATWG rules the bench needs): lines end in
 * LF, CR or CRLF, a blank line dispatches the event gathered so far, a line starting with `:` is
 * a comment (the stream's `: ping`). Chunks may split a line, or a CRLF, anywhere.
 */
export class SseParser {
  readonly #onEvent: (event: SseEvent) => void;
  readonly #onComment: (text: string) => void;
  #buffer = '';
  #type = '';
  #id: string | undefined;
  #data: string[] = [];
  /** The last chunk ended in CR: an LF starting the next one is the rest of that line break. */
  #afterCr = false;

  constructor(onEvent: (event: SseEvent) => void, onComment: (text: string) => void = () => {}) {
    this.#onEvent = onEvent;
    this.#onComment = onComment;
  }

  push(chunk: string): void {
    let text = chunk;
    if (this.#afterCr && text.startsWith('\n')) text = text.slice(1);
    this.#afterCr = text.endsWith('\r');
    const lines = (this.#buffer + text).split(/\r\n|\r|\n/);
    // The last piece has no line break after it yet (empty when the chunk ended in one).
    this.#buffer = lines.pop() ?? '';
    for (const line of lines) this.#line(line);
  }

  #line(line: string): void {
    if (line === '') {
      this.#dispatch();
      return;
    }
    if (line.startsWith(':')) {
      this.#onComment(line.slice(1).trimStart());
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.#type = value;
    else if (field === 'data') this.#data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.#id = value;
    // `retry:` and unknown fields change nothing the bench measures.
  }

  #dispatch(): void {
    // A block without data (an `id:` or `event:` alone) dispatches nothing, as in a browser.
    if (this.#data.length > 0) {
      this.#onEvent({ type: this.#type || 'message', id: this.#id, data: this.#data.join('\n') });
    }
    this.#type = '';
    this.#data = [];
  }
}
