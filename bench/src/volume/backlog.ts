import { setTimeout as sleep } from 'node:timers/promises';
import type { JetStreamHandles } from '@im/events';

type Jsm = JetStreamHandles['jsm'];

/** A durable consumer: the services' projections and the workers' fan-out. */
export interface Durable {
  stream: string;
  durable: string;
}

/**
 * Messages of a durable consumer not yet done: never delivered plus delivered and unacked
 * (undefined while the consumer does not exist yet). Zero means its service has applied
 * everything published so far: the projection is up to date, the fan-out is written.
 */
export async function backlogOf(jsm: Jsm, { stream, durable }: Durable): Promise<number | undefined> {
  try {
    const info = await jsm.consumers.info(stream, durable);
    return info.num_pending + info.num_ack_pending;
  } catch {
    return undefined;
  }
}

/** Waits until the consumer's backlog is at most `atMost`; `tell` hears the backlog every poll. */
export async function waitBacklog(
  jsm: Jsm,
  consumer: Durable,
  {
    atMost = 0,
    timeoutMs = 3_600_000,
    tell,
  }: { atMost?: number; timeoutMs?: number; tell?(n: number): void },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const backlog = await backlogOf(jsm, consumer);
    if (backlog !== undefined) {
      tell?.(backlog);
      if (backlog <= atMost) return;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${consumer.durable} on ${consumer.stream}: backlog ${backlog ?? 'unknown (no consumer)'} after ${timeoutMs} ms`,
      );
    }
    await sleep(backlog === undefined || backlog > 1_000 ? 500 : 100);
  }
}

/** Messages in a stream now (dead letters: anything there means a consumer gave up). */
export async function messagesIn(jsm: Jsm, stream: string): Promise<number> {
  try {
    return (await jsm.streams.info(stream)).state.messages;
  } catch {
    return 0;
  }
}
