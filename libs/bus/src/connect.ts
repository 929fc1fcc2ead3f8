import type { Logger } from '@im/log';
import { connect, type NatsConnection } from '@nats-io/transport-node';

export type { NatsConnection } from '@nats-io/transport-node';

export interface BusSettings {
  servers: string;
  /** Shown in the server's connection list (`nats-server -connz`), so operators see who is who. */
  name: string;
  log: Logger;
}

/**
 * Connects with unbounded reconnects: a NATS restart or a cluster fail-over must not end the
 * process. Status changes are logged so an operator can see the connection come and go.
 */
export async function connectBus({ servers, name, log }: BusSettings): Promise<NatsConnection> {
  const nc = await connect({
    servers: servers.split(','),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
    pingInterval: 10_000,
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
