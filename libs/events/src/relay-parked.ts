import type { Logger } from '@im/log';
import { outboxParkedNow } from '@im/metrics';
import type { RelaySource } from './relay-source.js';

/**
 * Counts parked events for the gauge `im_outbox_parked` at most every `everyMs` (and at once
 * after a parking), with a warning line whenever a source's count changes to a non-zero one.
 */
export function parkedCounter(sources: readonly RelaySource[], log: Logger, everyMs: number) {
  const counts = new Map<string, number>();
  let last = Number.NEGATIVE_INFINITY;
  return {
    /** The next count runs at once (an event was just parked). */
    recountSoon(): void {
      last = Number.NEGATIVE_INFINITY;
    },
    async count(): Promise<void> {
      if (Date.now() - last < everyMs) return;
      last = Date.now();
      for (const source of sources) {
        const count = await source.countParked();
        const before = counts.get(source.name) ?? 0;
        counts.set(source.name, count);
        outboxParkedNow.set({ source: source.name }, count);
        if (count > 0 && count !== before) {
          log.warn({ source: source.name, parked: count }, 'outbox has parked events');
        }
      }
    },
  };
}
