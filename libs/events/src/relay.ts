import type { Logger } from '@im/log';
import { outboxPublished } from '@im/metrics';
import type { RelaySource } from './outbox.js';
import type { EventPublisher } from './publisher.js';

export interface RelaySettings {
  sources: RelaySource[];
  publisher: EventPublisher;
  log: Logger;
  intervalMs?: number;
  /**
   * Events younger than this are left to the request that wrote them, which publishes them
   * itself; the relay only finishes what a crash or an outage left behind.
   */
  minAgeMs?: number;
  batch?: number;
}

export interface Relay {
  /** One pass over every source; resolves with how many events it published. */
  runOnce(minAgeMs?: number): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Finishes pending events: prepare (re-apply), publish with msgID = event id, mark sent. Every
 * copy of a service runs one; two relays publishing the same event is harmless, because the
 * stream drops the repeat inside its duplicate window and marking sent is idempotent.
 */
export function startRelay({
  sources,
  publisher,
  log,
  intervalMs = 1_000,
  minAgeMs = 2_000,
  batch = 100,
}: RelaySettings): Relay {
  let running: Promise<number> | undefined;
  let stopped = false;

  const pass = async (minAge: number): Promise<number> => {
    let published = 0;
    for (const source of sources) {
      const pending = await source.findPending(new Date(Date.now() - minAge), batch);
      for (const event of pending) {
        if ((await source.prepare?.(event)) === false) {
          await source.markSent(event.id); // refused on re-apply: nothing happened, nothing to announce
          continue;
        }
        await publisher.publish(event);
        await source.markSent(event.id);
        outboxPublished.inc({ source: source.name });
        published++;
      }
    }
    if (published > 0) log.info({ published }, 'relay published pending events');
    return published;
  };

  const runOnce = (minAge = minAgeMs): Promise<number> => {
    running ??= pass(minAge).finally(() => {
      running = undefined;
    });
    return running;
  };

  const timer = setInterval(() => {
    if (stopped) return;
    runOnce().catch((error: unknown) => log.warn({ err: error }, 'relay pass failed; will retry'));
  }, intervalMs);
  timer.unref();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => 0);
    },
  };
}
