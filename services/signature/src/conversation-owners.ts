import { type NatsConnection, ServiceClient } from '@im/bus';
import {
  type ConversationGroup,
  ConversationGroupReply,
  ConversationSubjects,
  compileValidator,
  encodeCaller,
} from '@im/contracts';
import type { Logger } from '@im/log';

/**
 * The signature service's own identity when it asks other services: the group service answers the
 * conversation look-up for services only.
 */
export const SIGNATURE_CALLER = encodeCaller({ sub: 'im-signature', orgs: [], role: 'service' });

const validReply = compileValidator(ConversationGroupReply);

/**
 * Asks the group service which group owns a conversation. When it cannot say (down, slow,
 * failing), the request fails: a signature is never issued without the answer (503 or 504 naming
 * the group service, as the request client words them).
 */
export class ConversationOwners {
  readonly #group: ServiceClient;

  constructor(nc: NatsConnection, timeoutMs: number, log: Logger) {
    this.#group = new ServiceClient(nc, {
      timeoutMs,
      caller: SIGNATURE_CALLER,
      client: 'the signature service',
      log,
    });
  }

  async groupOf(
    conversionId: string,
    clientId: string,
    requestId?: string,
  ): Promise<ConversationGroup | null> {
    const body = { conversion_id: conversionId, client_id: clientId };
    return (await this.#group.ask(ConversationSubjects.group, body, validReply, requestId)).group;
  }

  close(): void {
    this.#group.close();
  }
}
