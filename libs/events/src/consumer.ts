import { isDatabaseUnavailable } from '@im/bus';
import { compileValidator, DeadLetterHeaders, deadLetterSubject } from '@im/contracts';
import type { Logger } from '@im/log';
import { consumerMessages, consumerRedeliveries, deadLetters } from '@im/metrics';
import { AckPolicy, type Consumer, DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import { headers, nanos } from '@nats-io/transport-node';
import type { Static, TSchema } from '@sinclair/typebox';
import { ALWAYS_CONNECTED, connectionState } from './connection-state.js';
import { ensureConsumer } from './ensure-consumer.js';
import { connectionOf, type JetStreamHandles } from './jetstream.js';
import { retryJetStreamApi } from './jetstream-retry.js';
import { PermanentFailure } from './permanent-failure.js';
import { DEFAULT_PULL_EXPIRES_MS, type Puller, startPuller } from './puller.js';
import { isStreamMissing, retryUntilStream, type StreamWaitSettings } from './stream-wait.js';
import { isUnavailable } from './unavailable.js';

export { PermanentFailure } from './permanent-failure.js';

export interface DeliveryMeta {
  subject: string;
  streamSequence: number;
  deliveryCount: number;
  /** Tells the server the message is still being worked on (resets its ack timer). */
  working(): void;
}

export interface ConsumerSpec<S extends TSchema> {
  stream: string;
  durable: string;
  filterSubject: string;
  /** A payload that fails this schema is dead-lettered at once: retrying cannot fix it. */
  schema: S;
  handle(event: Static<S>, meta: DeliveryMeta): Promise<void>;
  /** Attempts before the message is parked on the dead-letter subject. */
  maxAttempts?: number;
  /** Delay before attempt n+1 is `backoffMs[n-1]` (the last value repeats). */
  backoffMs?: number[];
  /** Messages handed out and not yet acknowledged, across every copy of the consumer. */
  maxAckPending?: number;
  /**
   * How long a message may go without a sign of life before JetStream redelivers it. Held
   * messages are kept alive (`working()` every third of it), so this is what a crash costs.
   */
  ackWaitMs?: number;
  /** Messages this copy handles at once. Default 1: projections apply events one after another. */
  concurrency?: number;
  /** Messages pulled ahead of those being handled, kept alive while they wait. Default 0. */
  prefetch?: number;
  /** Longest a message is kept alive; a handler stuck longer loses it to a redelivery. */
  maxHoldMs?: number;
  /** How long one pull request waits on the server (default 30 s: an idle consumer costs next to nothing). */
  pullExpiresMs?: number;
  /** Pauses between looks while the stream does not exist yet (default 100 ms doubling to 2 s). */
  streamWait?: Pick<StreamWaitSettings, 'firstDelayMs' | 'maxDelayMs'>;
}

export interface RunningConsumer {
  /**
   * Resolves true once the consumer is bound to its stream and pulling: at once when the stream
   * existed at start, else when it appeared. False when stopped before that.
   */
  bound: Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * A durable pull consumer: explicit acks after the work is done, `nak` with backoff on failure,
 * and after `maxAttempts` (at once for a bad payload or a PermanentFailure) the message goes to
 * `im.deadletter.<durable>` with the error in its headers; a failure that says the database or
 * NATS is not answering is retried without end instead (an outage is not the message's fault). Every copy of a worker binds to the
 * same durable, so more copies share the load; each pulls only what it can handle soon and keeps
 * what it holds alive (see startPuller), so `deliveryCount` counts real attempts.
 *
 * The stream is its publisher's to create, never the consumer's. When it does not exist yet this
 * resolves at once all the same and binds in the background as soon as it appears (see
 * retryUntilStream: one log line naming the stream and who creates it), so a service's start
 * neither fails nor waits on the publisher's; `bound` says when it is consuming. Nothing is lost
 * meanwhile: nothing can be published into a stream that does not exist, and the durable delivers
 * everything the stream holds once created. Any other failure of the first attempt (NATS down,
 * a bad config) rejects, as before.
 */
export async function runConsumer<S extends TSchema>(
  { js, jsm }: JetStreamHandles,
  log: Logger,
  spec: ConsumerSpec<S>,
): Promise<RunningConsumer> {
  const { stream, durable, filterSubject, maxAttempts = 5, backoffMs = [500, 2_000, 5_000, 15_000] } = spec;
  const ackWaitMs = spec.ackWaitMs ?? 30_000;
  const config = {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: filterSubject,
    max_ack_pending: spec.maxAckPending ?? 64,
    ack_wait: nanos(ackWaitMs),
    // Redelivery is capped here, not by the server, so the last failure can be dead-lettered.
    max_deliver: -1,
  };
  // Creates the durable or brings it to this config, racing copies included (ensureConsumer), then
  // looks it up; both steps ask again through a cluster's transient failures (a request timing out
  // on a loaded cluster, retryJetStreamApi). A missing stream fails at once, and the error says so
  // (isStreamMissing).
  const bind = async (): Promise<Consumer> => {
    await ensureConsumer(jsm, stream, config);
    return retryJetStreamApi(() => js.consumers.get(stream, durable));
  };

  const validate = compileValidator(spec.schema);

  const deadLetter = async (m: JsMsg, reason: string) => {
    const h = headers();
    for (const [key, values] of m.headers ?? []) for (const value of values) h.append(key, value);
    h.set(DeadLetterHeaders.reason, reason.slice(0, 1_000));
    h.set(DeadLetterHeaders.subject, m.subject);
    h.set(DeadLetterHeaders.stream, stream);
    h.set(DeadLetterHeaders.sequence, String(m.seq));
    h.set(DeadLetterHeaders.attempts, String(m.info.deliveryCount));
    h.set(DeadLetterHeaders.consumer, durable);
    await js.publish(deadLetterSubject(durable), m.data, {
      headers: h,
      msgID: `${durable}:${stream}:${m.seq}`,
    });
    // No reason text: nats-server 2.9 does not understand `+TERM <reason>` and would leave it unacked.
    m.term();
    deadLetters.inc({ consumer: durable });
    consumerMessages.inc({ consumer: durable, outcome: 'dead_letter' });
    log.warn({ durable, subject: m.subject, seq: m.seq, reason }, 'message dead-lettered');
  };

  const settle = async (m: JsMsg) => {
    if (m.info.deliveryCount > 1) consumerRedeliveries.inc({ consumer: durable });
    let event: Static<S>;
    try {
      event = validate(m.json());
    } catch (error) {
      return deadLetter(m, `invalid payload: ${(error as Error).message}`);
    }
    try {
      await spec.handle(event, {
        subject: m.subject,
        streamSequence: m.seq,
        deliveryCount: m.info.deliveryCount,
        working: () => m.working(),
      });
      m.ack();
      consumerMessages.inc({ consumer: durable, outcome: 'ack' });
    } catch (error) {
      const attempt = m.info.deliveryCount;
      const reason = (error as Error).message ?? String(error);
      // A database or NATS that does not answer (in time) is no fault of the message: it is
      // retried for as long as that lasts, never dead-lettered for it.
      const outage = isDatabaseUnavailable(error) || isUnavailable(error);
      if (!outage && (attempt >= maxAttempts || error instanceof PermanentFailure)) {
        return deadLetter(m, reason);
      }
      const delay = backoffMs[Math.min(attempt - 1, backoffMs.length - 1)] ?? 1_000;
      log.warn(
        { durable, seq: m.seq, attempt, delay, err: reason, outage },
        outage ? 'handler failed: a dependency is unavailable; will retry' : 'handler failed; will retry',
      );
      m.nak(delay);
      consumerMessages.inc({ consumer: durable, outcome: 'retry' });
    }
  };

  const nc = connectionOf(js);
  const link = nc ? connectionState(nc) : ALWAYS_CONNECTED;
  const pull = (consumer: Consumer): Puller =>
    startPuller({
      consumer,
      durable,
      log,
      concurrency: Math.max(1, spec.concurrency ?? 1),
      prefetch: Math.max(0, spec.prefetch ?? 0),
      ackWaitMs,
      maxHoldMs: spec.maxHoldMs ?? 15 * 60_000,
      expiresMs: spec.pullExpiresMs ?? DEFAULT_PULL_EXPIRES_MS,
      link,
      settle: (m) =>
        settle(m).catch((error: unknown) => {
          // Dead-lettering itself failed (NATS down): leave the message unacked; it comes back.
          log.error({ err: error, seq: m.seq }, 'could not settle message');
        }),
    });

  let first: Consumer | undefined;
  try {
    first = await bind();
  } catch (error) {
    if (!isStreamMissing(error)) throw error;
  }
  if (first) {
    const puller = pull(first);
    return { bound: Promise.resolve(true), stop: () => puller.stop() };
  }

  // The stream's publisher has not created it yet: bind once it has.
  let stopped = false;
  let puller: Puller | undefined;
  const wait = retryUntilStream(bind, { stream, durable, log, ...spec.streamWait });
  const bound = wait.result.then((consumer) => {
    if (!consumer || stopped) return false;
    puller = pull(consumer);
    return true;
  });
  return {
    bound,
    async stop() {
      stopped = true;
      wait.cancel();
      await bound;
      await puller?.stop();
    },
  };
}
