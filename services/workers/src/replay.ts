import { DeadLetterHeaders, Streams } from '@im/contracts';
import type { JetStreamHandles } from '@im/events';
import { JetStreamApiError } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';

/** Set on a replayed message: where in IM_DEAD_LETTERS it came from. */
export const REPLAYED_FROM_HEADER = 'Im-Replayed-From';

export interface ReplayOptions {
  /** Only dead letters of this consumer (`im.deadletter.<durable>`); default: all of them. */
  durable?: string;
  /** Only dead letters stored at or after this stream sequence. */
  fromSeq?: number;
  /** List what would be replayed, publish nothing. */
  dryRun?: boolean;
  /** Delete each dead letter from the stream once its replay is stored. */
  purge?: boolean;
  /** One line per dead letter, for the operator. */
  report?: (line: string) => void;
}

export interface ReplayResult {
  replayed: number;
  skipped: number;
}

const DEAD_LETTER_HEADERS = new Set(Object.values(DeadLetterHeaders).map((h) => h.toLowerCase()));

/**
 * Republishes stored dead letters to the subject they were dead-lettered from, with their original
 * headers, so the consumers see them again (after the bug that parked them is fixed). Each gets a
 * new msgID, `replay:<dead-letter sequence>`: the original id may still be inside the stream's
 * duplicate window, and running the replay twice within the window publishes each only once.
 * Only what was stored when the replay started is read: a message that fails again is parked
 * anew, under a new sequence, and not replayed in a loop.
 */
export async function replayDeadLetters(
  { js, jsm }: JetStreamHandles,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const stream = Streams.deadLetters.name;
  const prefix = options.durable ? `im.deadletter.${options.durable}` : 'im.deadletter.';
  const report = options.report ?? (() => {});
  const info = await jsm.streams.info(stream).catch((error: unknown) => {
    // No stream yet: nothing was ever dead-lettered.
    if (error instanceof JetStreamApiError && error.status === 404) return undefined;
    throw error;
  });
  if (!info) return { replayed: 0, skipped: 0 };
  const first = Math.max(info.state.first_seq, options.fromSeq ?? 0);
  const last = info.state.last_seq;
  let replayed = 0;
  let skipped = 0;
  for (let seq = first; seq <= last && info.state.messages > 0; seq++) {
    const stored = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (!stored) continue; // deleted (or purged) since
    const matches = options.durable ? stored.subject === prefix : stored.subject.startsWith(prefix);
    if (!matches) continue;
    const original = stored.header?.get(DeadLetterHeaders.subject);
    const reason = stored.header?.get(DeadLetterHeaders.reason) ?? '';
    if (!original) {
      skipped++;
      report(`#${seq} ${stored.subject}: no ${DeadLetterHeaders.subject} header, skipped`);
      continue;
    }
    report(`#${seq} ${stored.subject} -> ${original} (${reason})${options.dryRun ? ' [dry run]' : ''}`);
    if (options.dryRun) {
      replayed++;
      continue;
    }
    const h = headers();
    for (const [key, values] of stored.header ?? []) {
      const lower = key.toLowerCase();
      if (DEAD_LETTER_HEADERS.has(lower) || lower === 'nats-msg-id') continue;
      for (const value of values) h.append(key, value);
    }
    h.set(REPLAYED_FROM_HEADER, `${stream}:${seq}`);
    await js.publish(original, stored.data, { headers: h, msgID: `replay:${seq}` });
    if (options.purge) await jsm.streams.deleteMessage(stream, seq, false);
    replayed++;
  }
  return { replayed, skipped };
}
