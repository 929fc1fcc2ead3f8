import { type NatsConnection, RequestClient } from '@im/bus';
import {
  AppError,
  type ConversationGroup,
  ConversationGroupReply,
  ConversationSubjects,
  compileValidator,
  ErrorCode,
  encodeCaller,
} from '@im/contracts';
import type { Logger } from '@im/log';

/**
 * The signature service's own identity when it asks other services: the group service answers the
 * conversation look-up for services only.
 */
export const SIGNATURE_CALLER = encodeCaller({ sub: 'im-signature', orgs: [], role: 'service' });

const validReply = compileValidator(ConversationGroupReply);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Asks the group service which group owns a conversation. When it cannot say (down, slow,
 * failing), the request fails: a signature is never issued without the answer (503 or 504 naming
 * the group service, as the request client words them).
 */
export class ConversationOwners {
  readonly #client: RequestClient;

  constructor(
    nc: NatsConnection,
    timeoutMs: number,
    private readonly log: Logger,
  ) {
    this.#client = new RequestClient(nc, {
      timeoutMs,
      caller: SIGNATURE_CALLER,
      client: 'the signature service',
    });
  }

  async groupOf(
    conversionId: string,
    clientId: string,
    requestId?: string,
  ): Promise<ConversationGroup | null> {
    const payload = encoder.encode(JSON.stringify({ conversion_id: conversionId, client_id: clientId }));
    let bytes: Uint8Array;
    try {
      bytes = await this.#client.request(ConversationSubjects.group, payload, requestId);
    } catch (error) {
      if (error instanceof AppError && error.retryable) throw error;
      // Anything else means the two services disagree (a contract or identity mismatch): a 500,
      // logged here, rather than the group service's words reaching an app.
      this.log.error({ err: error }, 'conversation look-up refused by the group service');
      throw new AppError(ErrorCode.ServerError, 'internal error');
    }
    try {
      return validReply(JSON.parse(decoder.decode(bytes))).group;
    } catch (error) {
      this.log.error({ err: error }, 'unreadable conversation look-up reply');
      throw new AppError(ErrorCode.ServerError, 'internal error');
    }
  }

  close(): void {
    this.#client.close();
  }
}
