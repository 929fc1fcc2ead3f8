import { type NatsConnection, type RunningService, startService } from '@im/bus';
import { ServiceNames } from '@im/contracts';
import type { Logger } from '@im/log';
import type { AppKeys } from './app-keys.js';
import { conversationEndpoint } from './handlers/conversation.js';
import { loginEndpoint } from './handlers/login.js';
import { memberActionEndpoint } from './handlers/member-action.js';
import { Signer } from './signer.js';

export { AppKeys } from './app-keys.js';

export interface SignatureServiceOptions {
  nc: NatsConnection;
  log: Logger;
  appKeys: AppKeys;
}

/** The signature service on an open connection; `main.ts` and the tests both start it this way. */
export function startSignatureService({
  nc,
  log,
  appKeys,
}: SignatureServiceOptions): Promise<RunningService> {
  const signer = new Signer(appKeys);
  return startService(nc, {
    name: ServiceNames.signature,
    version: '0.1.0',
    description: 'LeanCloud realtime signatures: login, conversation, invite, kick',
    log,
    endpoints: [
      loginEndpoint(signer),
      conversationEndpoint(signer),
      memberActionEndpoint(signer, 'invite'),
      memberActionEndpoint(signer, 'kick'),
    ],
  });
}
