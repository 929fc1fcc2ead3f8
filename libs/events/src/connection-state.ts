import type { NatsConnection } from '@nats-io/transport-node';

/** Whether a NATS connection is up now, as its status events tell. */
export interface ConnectionState {
  connected(): boolean;
  /** Calls `listener` each time the connection is back after a disconnect; answers the function that stops it. */
  onReconnect(listener: () => void): () => void;
}

const states = new WeakMap<NatsConnection, ConnectionState>();

/**
 * Follows `nc.status()` once per connection (shared by every relay and consumer on it): down from
 * a disconnect, a stale connection or the close, up again on reconnect. The connection is up
 * when it is handed in (connectBus waits for the first connect).
 */
export function connectionState(nc: NatsConnection): ConnectionState {
  let state = states.get(nc);
  if (state) return state;
  let up = !nc.isClosed();
  const reconnectListeners = new Set<() => void>();
  state = {
    connected: () => up && !nc.isClosed(),
    onReconnect(listener) {
      reconnectListeners.add(listener);
      return () => reconnectListeners.delete(listener);
    },
  };
  states.set(nc, state);
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'reconnect') {
        up = true;
        for (const listener of reconnectListeners) listener();
      } else if (
        status.type === 'disconnect' ||
        status.type === 'staleConnection' ||
        status.type === 'close'
      ) {
        up = false;
      }
    }
  })().catch(() => {
    up = false;
  });
  return state;
}

/** For a source that cannot tell: always up, so every failure counts. */
export const ALWAYS_CONNECTED: ConnectionState = { connected: () => true, onReconnect: () => () => {} };
