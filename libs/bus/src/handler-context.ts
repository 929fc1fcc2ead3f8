import type { Caller } from '@im/contracts';
import type { Logger } from '@im/log';

export interface HandlerContext {
  requestId: string;
  /**
   * Who asks: the caller the gateway verified, or the internal service that sent the request.
   * Every endpoint needs one; a request without it is refused (401) before the handler runs.
   */
  caller: Caller;
  /** A child logger carrying the request id. */
  log: Logger;
}

/** The request's logger is built only when a handler logs: most requests never do. */
export class Context implements HandlerContext {
  #log: Logger | undefined;
  /** Set before the handler runs; a request without a caller never reaches it. */
  caller!: Caller;

  constructor(
    readonly requestId: string,
    readonly subject: string,
    readonly parent: Logger,
  ) {}

  get log(): Logger {
    // The caller's id goes on every line a handler writes: who did what is the first audit question.
    this.#log ??= this.parent.child({
      reqId: this.requestId,
      subject: this.subject,
      caller: this.caller?.sub,
    });
    return this.#log;
  }
}
