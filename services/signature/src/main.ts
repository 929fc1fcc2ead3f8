import { closeBus, connectBus, onShutdown, runMain, startService } from '@im/bus';
import { ServiceNames } from '@im/contracts';
import { createLogger } from '@im/log';
import { readConfig } from './config.js';
import { conversationEndpoint } from './handlers/conversation.js';
import { loginEndpoint } from './handlers/login.js';
import { memberActionEndpoint } from './handlers/member-action.js';
import { Signer } from './signer.js';

await runMain('signature', async () => {
  const config = readConfig();
  const log = createLogger({ name: 'signature', level: config.logLevel });
  const signer = new Signer(config.appKeys);
  const nc = await connectBus({ servers: config.natsUrl, name: 'im-signature', log });
  const running = await startService(nc, {
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
  onShutdown(log, async () => {
    await running.stop();
    await closeBus(nc);
  });
  log.info({ apps: config.appKeys.appIds.length }, 'ready');
});
