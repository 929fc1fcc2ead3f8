import { setTimeout as sleep } from 'node:timers/promises';
import { ClassEventSubjects, ClassMessageEvent, deadLetterSubject, Streams } from '@im/contracts';
import { type DeliveryMeta, type JetStreamHandles, type RunningConsumer, runConsumer } from '@im/events';
import type { Logger } from '@im/log';
import type { WorkersConfig } from './config.js';
import type { Deliveries } from './repositories/deliveries.js';

/** Every copy of the workers binds to this durable, so more copies share the messages. */
export const CLASS_MESSAGES_DURABLE = 'workers-class-messages';
export const CLASS_MESSAGES_DEAD_LETTERS = deadLetterSubject(CLASS_MESSAGES_DURABLE);

export type FanoutSettings = Pick<
  WorkersConfig,
  | 'jetstreamReplicas'
  | 'chunkSize'
  | 'chunkPauseMs'
  | 'maxAttempts'
  | 'maxAckPending'
  | 'ackWaitMs'
  | 'concurrency'
> & {
  /** Delay before attempt n+1 (the last value repeats); runConsumer's default when absent. */
  backoffMs?: number[];
};

/**
 * Writes one delivery per student of a class message, chunk by chunk, in roster order. A crash at
 * any point leaves the message unacked: it comes back (to this copy or another) and what the
 * earlier attempt wrote is skipped (Deliveries.writeChunk).
 */
export async function fanOut(
  deliveries: Deliveries,
  event: ClassMessageEvent,
  meta: Pick<DeliveryMeta, 'working'>,
  settings: Pick<FanoutSettings, 'chunkSize' | 'chunkPauseMs'>,
): Promise<{ inserted: number; duplicates: number }> {
  let inserted = 0;
  let duplicates = 0;
  const uids = event.student_uids;
  for (let start = 0; start < uids.length; start += settings.chunkSize) {
    if (start > 0) {
      // Progress, so JetStream does not hand the message to another copy meanwhile.
      meta.working();
      if (settings.chunkPauseMs > 0) await sleep(settings.chunkPauseMs);
    }
    const outcome = await deliveries.writeChunk(event, uids.slice(start, start + settings.chunkSize), start);
    inserted += outcome.inserted;
    duplicates += outcome.duplicates;
  }
  return { inserted, duplicates };
}

/**
 * The durable consumer of class messages: fans each out, then acks. What keeps failing is
 * dead-lettered after `maxAttempts`, a payload that breaks the schema at once (runConsumer does
 * both). Each copy fans out up to `concurrency` messages at once; fan-outs of different pushes
 * are independent.
 */
export function consumeClassMessages(
  handles: JetStreamHandles,
  log: Logger,
  deliveries: Deliveries,
  config: FanoutSettings,
): Promise<RunningConsumer> {
  return runConsumer(handles, log, {
    stream: Streams.classEvents.name,
    durable: CLASS_MESSAGES_DURABLE,
    filterSubject: ClassEventSubjects.message,
    schema: ClassMessageEvent,
    maxAttempts: config.maxAttempts,
    maxAckPending: config.maxAckPending,
    ackWaitMs: config.ackWaitMs,
    concurrency: config.concurrency,
    ...(config.backoffMs ? { backoffMs: config.backoffMs } : {}),
    handle: async (event, meta) => {
      const started = performance.now();
      const { inserted, duplicates } = await fanOut(deliveries, event, meta, config);
      log.info(
        {
          push_id: event.push_id,
          recipients: event.student_uids.length,
          inserted,
          duplicates,
          attempt: meta.deliveryCount,
          ms: Math.round(performance.now() - started),
        },
        'class message fanned out',
      );
    },
  });
}
