import { AppError, ErrorCode } from '@im/contracts';
import type { Logger } from '@im/log';
import type { NatsConnection } from '@nats-io/transport-node';
import { RequestClient } from './request-client.js';

export interface ServiceClientOptions {
  /** How long the other service may take; keep it below the gateway's, so a 504 names it. */
  timeoutMs: number;
  /** This service's own `Im-Caller` (an encoded `service` caller): whoever answers checks it. */
  caller: string;
  /** How messages name the asker: `the signature service`. */
  client: string;
  log: Logger;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * One service asking another over request/reply, as itself. The other side's state (down, slow,
 * NATS away: 503 or 504 naming it) passes through to the caller; anything else it answers means
 * the two services disagree (a contract or identity mismatch), so it is logged here and the
 * caller gets a bare 500 rather than the other service's words. Replies are checked against their
 * schema before anyone reads them.
 */
export class ServiceClient {
  readonly #client: RequestClient;
  readonly #log: Logger;

  constructor(nc: NatsConnection, { timeoutMs, caller, client, log }: ServiceClientOptions) {
    this.#client = new RequestClient(nc, { timeoutMs, caller, client });
    this.#log = log;
  }

  async ask<T>(subject: string, body: unknown, valid: (value: unknown) => T, requestId?: string): Promise<T> {
    let bytes: Uint8Array;
    try {
      bytes = await this.#client.request(subject, encoder.encode(JSON.stringify(body)), requestId);
    } catch (error) {
      if (error instanceof AppError && error.retryable) throw error;
      this.#log.error({ err: error, subject }, 'request refused by the service asked');
      throw new AppError(ErrorCode.ServerError, 'internal error');
    }
    try {
      return valid(JSON.parse(decoder.decode(bytes)));
    } catch (error) {
      this.#log.error({ err: error, subject }, 'unreadable reply from the service asked');
      throw new AppError(ErrorCode.ServerError, 'internal error');
    }
  }

  close(): void {
    this.#client.close();
  }
}
