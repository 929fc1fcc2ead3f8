import type { JsMsg } from '@nats-io/jetstream';

export interface KeepAlive {
  stop(): void;
}

/**
 * Tells JetStream, every `everyMs`, that a held message is still being worked on (`+WPI` resets
 * its ack timer), from the moment it is received until it is settled, whether it waits for a free
 * slot or runs. So only a dead process lets its messages be redelivered, and the ack wait can be
 * short. After `maxHoldMs` it stops (`onGiveUp`): a handler stuck that long must not hold the
 * message forever; JetStream then gives it to a copy that can finish it.
 */
export function keepAlive(m: JsMsg, everyMs: number, maxHoldMs: number, onGiveUp: () => void): KeepAlive {
  const since = Date.now();
  const timer = setInterval(() => {
    if (Date.now() - since >= maxHoldMs) {
      clearInterval(timer);
      onGiveUp();
      return;
    }
    m.working();
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
