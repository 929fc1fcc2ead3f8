import { type NatsConnection, type RunningService, startService } from '@im/bus';
import { ServiceNames } from '@im/contracts';
import type { Logger } from '@im/log';
import type { AppKeys } from './app-keys.js';
import { ConversationOwners } from './conversation-owners.js';
import type { UnownedConversations } from './group-rules.js';
import { conversationEndpoint } from './handlers/conversation.js';
import { loginEndpoint } from './handlers/login.js';
import { memberActionEndpoint } from './handlers/member-action.js';
import { Signer } from './signer.js';
import type { TimestampFormat } from './signing.js';

export { AppKeys } from './app-keys.js';
export { SIGNATURE_CALLER } from './conversation-owners.js';
export type { UnownedConversations } from './group-rules.js';
export type { TimestampFormat } from './signing.js';

export interface SignatureServiceOptions {
  nc: NatsConnection;
  log: Logger;
  appKeys: AppKeys;
  /** SIGNATURE_TIMESTAMP_FORMAT; default `seconds`. */
  timestampFormat?: TimestampFormat;
  /** SIGNATURE_UNOWNED_CONVERSATIONS; default `allow`. */
  unownedConversations?: UnownedConversations;
  /** SIGNATURE_GROUP_TIMEOUT_MS; default 2000. */
  groupTimeoutMs?: number;
  /** MAX_IN_FLIGHT; default startService's. */
  maxInFlight?: number;
}

/** The signature service on an open connection; `main.ts` and the tests both start it this way. */
export async function startSignatureService({
  nc,
  log,
  appKeys,
  timestampFormat = 'seconds',
  unownedConversations = 'allow',
  groupTimeoutMs = 2_000,
  maxInFlight,
}: SignatureServiceOptions): Promise<RunningService> {
  const signer = new Signer(appKeys, timestampFormat);
  const owners = new ConversationOwners(nc, groupTimeoutMs, log);
  const memberActions = { signer, owners, unowned: unownedConversations };
  const running = await startService(nc, {
    name: ServiceNames.signature,
    version: '0.1.0',
    description: 'LeanCloud realtime signatures: login, conversation, invite, kick',
    log,
    ...(maxInFlight === undefined ? {} : { maxInFlight }),
    endpoints: [
      loginEndpoint(signer),
      conversationEndpoint(signer),
      memberActionEndpoint(memberActions, 'invite'),
      memberActionEndpoint(memberActions, 'kick'),
    ],
  });
  return {
    ...running,
    async stop(graceMs?: number) {
      await running.stop(graceMs);
      owners.close();
    },
  };
}
