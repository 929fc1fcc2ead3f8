import { streamCreator } from '@im/contracts';
import type { Logger } from '@im/log';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';

/** JetStream's answer when the stream asked about does not exist (err_code 10059). */
export const isStreamMissing = (error: unknown): boolean =>
  error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound;

export interface StreamWaitSettings {
  stream: string;
  /** The consumer waiting, for the log lines. */
  durable: string;
  log: Logger;
  /** First pause between two looks; doubles after each, up to `maxDelayMs`. */
  firstDelayMs?: number;
  maxDelayMs?: number;
}

export interface StreamWait<T> {
  /** What `attempt` returned once the stream was there; undefined when cancelled first. */
  result: Promise<T | undefined>;
  /** Stops looking; `result` settles once an attempt in progress has ended. */
  cancel(): void;
}

/** Pauses between looks for a missing stream: 100 ms doubling to 2 s, so a late publisher is seen soon. */
export const STREAM_WAIT_FIRST_MS = 100;
export const STREAM_WAIT_MAX_MS = 2_000;

/**
 * Runs `attempt` (binding a consumer) again and again until it succeeds, for a consumer whose
 * stream does not exist yet: the stream is its publisher's to create, and that side may start
 * later. One line says what it waits for and who creates it, one more when it got it; other
 * failures meanwhile (NATS down) are logged once per streak, not at every look. Never rejects.
 */
export function retryUntilStream<T>(attempt: () => Promise<T>, settings: StreamWaitSettings): StreamWait<T> {
  const { stream, durable, log } = settings;
  const first = settings.firstDelayMs ?? STREAM_WAIT_FIRST_MS;
  const max = settings.maxDelayMs ?? STREAM_WAIT_MAX_MS;
  const createdBy = streamCreator(stream) ?? 'its publisher';
  let cancelled = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, ms);
      timer.unref();
    });

  const result = (async (): Promise<T | undefined> => {
    log.info(
      { stream, durable, created_by: createdBy },
      `waiting for stream ${stream} (created by ${createdBy})`,
    );
    let delay = first;
    let failing = false;
    for (;;) {
      await pause(delay);
      if (cancelled) return undefined;
      try {
        const value = await attempt();
        log.info({ stream, durable }, `stream ${stream} is there; consumer bound`);
        return value;
      } catch (error) {
        const missing = isStreamMissing(error);
        if (!missing && !failing) {
          log.warn({ stream, durable, err: error }, `binding to stream ${stream} failed; will retry`);
        }
        failing = !missing;
      }
      if (cancelled) return undefined;
      delay = Math.min(delay * 2, max);
    }
  })();

  return {
    result,
    cancel() {
      cancelled = true;
      clearTimeout(timer);
      wake?.();
    },
  };
}
