import { type NatsConnection, type RunningService, startService } from '@im/bus';
import { ServiceNames } from '@im/contracts';
import type { Logger } from '@im/log';
import type { AppKeys } from './app-keys.js';
import { DEFAULT_SIGNATURE_SETTINGS } from './config.js';
import { ConversationOwners } from './conversation-owners.js';
import type { UnownedConversations } from './group-rules.js';
import { conversationEndpoint } from './handlers/conversation.js';
import { loginEndpoint } from './handlers/login.js';
import { memberActionEndpoint } from './handlers/member-action.js';
import { Signer } from './signer.js';
import type { TimestampFormat } from './signing.js';

export { AppKeys } from './app-keys.js';
export { SignatureConfigSchema } from './config.js';
export { SIGNATURE_CALLER } from './conversation-owners.js';
export type { UnownedConversations } from './group-rules.js';
export type { TimestampFormat } from './signing.js';

export interface SignatureServiceOptions {
  nc: NatsConnection;
  log: Logger;
  appKeys: AppKeys;
  /** SIGNATURE_TIMESTAMP_FORMAT; missing ones take DEFAULT_SIGNATURE_SETTINGS (the schema's defaults). */
  timestampFormat?: TimestampFormat;
  /** SIGNATURE_UNOWNED_CONVERSATIONS. */
  unownedConversations?: UnownedConversations;
  /** SIGNATURE_GROUP_TIMEOUT_MS. */
  groupTimeoutMs?: number;
  /** MAX_IN_FLIGHT. */
  maxInFlight?: number;
}

/** The signature service on an open connection; `main.ts` and the tests both start it this way. */
export async function startSignatureService({
  nc,
  log,
  appKeys,
  timestampFormat = DEFAULT_SIGNATURE_SETTINGS.timestampFormat,
  unownedConversations = DEFAULT_SIGNATURE_SETTINGS.unownedConversations,
  groupTimeoutMs = DEFAULT_SIGNATURE_SETTINGS.groupTimeoutMs,
  maxInFlight = DEFAULT_SIGNATURE_SETTINGS.maxInFlight,
}: SignatureServiceOptions): Promise<RunningService> {
  const signer = new Signer(appKeys, timestampFormat);
  const owners = new ConversationOwners(nc, groupTimeoutMs, log);
  const memberActions = { signer, owners, unowned: unownedConversations };
  const running = await startService(nc, {
    name: ServiceNames.signature,
    version: '0.1.0',
    description: 'LeanCloud realtime signatures: login, conversation, invite, kick',
    log,
    maxInFlight,
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
