import type { NatsAuth } from '@im/config';
import type { Logger } from '@im/log';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';

export type { NatsConnection } from '@nats-io/transport-node';

export interface BusSettings {
  servers: string;
  /** Shown in the server's connection list (`nats-server -connz`), so operators see who is who. */
  name: string;
  log: Logger;
  /** Credentials (readNatsAuth from @im/config); none: connect without. */
  auth?: NatsAuth;
}

/**
 * Connects with unbounded reconnects: a NATS restart or a cluster fail-over must not end the
 * process. Status changes are logged so an operator can see the connection come and go.
 */
export async function connectBus({ servers, name, log, auth = {} }: BusSettings): Promise<NatsConnection> {
  const nc = await connect({
    servers: servers.split(','),
    // Seeds in the order given (nats.js shuffles them otherwise): an operator spreads copies over
    // a cluster's nodes by listing them in different orders, as `npm run start:cluster` does.
    noRandomize: true,
    name,
    ...(auth.user !== undefined ? { user: auth.user, pass: auth.pass } : {}),
    ...(auth.token !== undefined ? { token: auth.token } : {}),
    ...(auth.creds !== undefined ? { authenticator: credsAuthenticator(auth.creds) } : {}),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
    pingInterval: 10_000,
  }).catch((error: unknown) => {
    // Say which server refused: a process stopping on "Authorization Violation" alone says little.
    throw new Error(`NATS at ${servers.replace(/\/\/[^@/]*@/g, '//***@')}: ${(error as Error).message}`);
  });
  log.info({ server: nc.getServer() }, 'nats connected');
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'ping') continue;
      const level = status.type === 'disconnect' || status.type === 'error' ? 'warn' : 'info';
      log[level]({ status: status.type }, 'nats status');
    }
  })();
  return nc;
}

/** Lets in-flight messages finish (subscriptions drained, pending publishes flushed), then closes. */
export async function closeBus(nc: NatsConnection): Promise<void> {
  if (nc.isClosed()) return;
  await nc.drain().catch(() => nc.close());
}
