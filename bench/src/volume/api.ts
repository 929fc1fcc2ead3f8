import { setTimeout as sleep } from 'node:timers/promises';

/** What a seeding call answered: its status and parsed JSON body. */
export interface Answer {
  status: number;
  json: Record<string, unknown>;
}

export interface CallOptions {
  /** Statuses that count as done (a retried push may find itself recorded: 409). */
  expected: readonly number[];
  headers?: Record<string, string>;
  /**
   * Retry a 500 or 504 too, not only a 503 (the service said it did nothing). Only for calls a
   * repeat cannot double: an upsert, a create with an Idempotency-Key.
   */
  retryServerErrors?: boolean;
  /** Other statuses worth another try: a keyed create still being answered for an earlier attempt (409). */
  retryStatuses?: readonly number[];
}

const RETRIES = 20;
const RETRY_MS = 250;

/**
 * The gateway's HTTP API as the seeding sees it: one caller (a token), JSON in and out, and an
 * error naming the call for any status it did not expect. Seeding goes through the services' own
 * write paths only; what they store is theirs to shape. Answers it had to retry are counted by
 * status, for the report: a seeding that needed them says something about the services.
 */
export class Api {
  readonly #baseUrl: string;
  readonly #authorization: string;
  readonly retried: Record<string, number> = {};

  constructor(baseUrl: string, token: string) {
    this.#baseUrl = baseUrl;
    this.#authorization = `Bearer ${token}`;
  }

  async call(method: string, path: string, body: unknown, options: CallOptions): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      const answer = await this.#send(method, path, body, options.headers);
      if (options.expected.includes(answer.status)) return answer;
      const retryable =
        answer.status === 503 ||
        (options.retryServerErrors && answer.status >= 500) ||
        options.retryStatuses?.includes(answer.status);
      if (retryable && attempt < RETRIES) {
        this.retried[answer.status] = (this.retried[answer.status] ?? 0) + 1;
        await sleep(RETRY_MS * (attempt + 1));
        continue;
      }
      throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.json).slice(0, 300)}`);
    }
  }

  async #send(
    method: string,
    path: string,
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const response = await fetch(`${this.#baseUrl}${path}`, {
      method,
      headers: {
        ...headers,
        authorization: this.#authorization,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }
}
