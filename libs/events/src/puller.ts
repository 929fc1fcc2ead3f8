import type { Logger } from '@im/log';
import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { ConnectionState } from './connection-state.js';
import { type KeepAlive, keepAlive } from './keep-alive.js';

export interface PullerSettings {
  consumer: Consumer;
  durable: string;
  log: Logger;
  /** Messages handled at once. */
  concurrency: number;
  /** Messages pulled ahead of those being handled; they wait, kept alive, for a free slot. */
  prefetch: number;
  /** The consumer's ack wait: held messages are kept alive every third of it. */
  ackWaitMs: number;
  /** Longest one message is kept alive (see keepAlive). */
  maxHoldMs: number;
  /** How long one pull request waits on the server for messages (see DEFAULT_PULL_EXPIRES_MS). */
  expiresMs: number;
  /** The connection's state: pull requests are sent again when it comes back. */
  link: ConnectionState;
  /** Handles one message to the end (ack, nak or dead letter); never rejects. */
  settle(m: JsMsg): Promise<void>;
}

export interface Puller {
  stop(): Promise<void>;
}

/**
 * How long one pull request waits on the server for messages before it ends and another is sent.
 * JetStream holds it open at no cost, so an idle consumer sends one every 30 s; the server's idle
 * heartbeats come every half of it (nats.js's default), and two missed ones end a pull request
 * the server lost. A reconnect sends the pull requests again at once (startPuller).
 */
export const DEFAULT_PULL_EXPIRES_MS = 30_000;
/** Pause after a pull request failed (NATS down, consumer gone) before the next one. */
const FETCH_RETRY_MS = 1_000;

interface Held {
  m: JsMsg;
  alive: KeepAlive;
}

/**
 * Pulls no more than it can handle soon: pull requests ask for exactly the free places
 * (`concurrency + prefetch` minus what is held or already asked for), so no message sits in a
 * client buffer running out its ack wait while others are handled, and several copies share the
 * messages instead of one hoarding them. Messages are handled in arrival order, `concurrency` at
 * a time (1: strictly one after another, as projections need).
 */
export function startPuller(s: PullerSettings): Puller {
  const capacity = s.concurrency + s.prefetch;
  const waiting: Held[] = [];
  const fetches = new Set<ConsumerMessages>();
  const handling = new Set<Promise<void>>();
  let held = 0;
  let asked = 0;
  let running = 0;
  let stopping = false;
  let pausedUntil = 0;
  let failing = false;

  const pump = () => {
    if (stopping || Date.now() < pausedUntil) return;
    const free = capacity - held - asked;
    if (free > 0) void pull(free);
  };

  const drain = () => {
    while (running < s.concurrency && waiting.length > 0) {
      const next = waiting.shift() as Held;
      running++;
      const done = s.settle(next.m).finally(() => {
        next.alive.stop();
        handling.delete(done);
        running--;
        held--;
        drain();
        pump();
      });
      handling.add(done);
    }
  };

  const accept = (m: JsMsg) => {
    held++;
    const alive = keepAlive(m, Math.max(100, Math.floor(s.ackWaitMs / 3)), s.maxHoldMs, () =>
      s.log.warn(
        { durable: s.durable, seq: m.seq, held_ms: s.maxHoldMs },
        'message held too long; no longer kept alive, JetStream will redeliver it',
      ),
    );
    waiting.push({ m, alive });
    drain();
  };

  const pull = async (count: number) => {
    asked += count;
    let received = 0;
    let batch: ConsumerMessages | undefined;
    try {
      batch = await s.consumer.fetch({ max_messages: count, expires: s.expiresMs });
      fetches.add(batch);
      if (stopping) await batch.close();
      for await (const m of batch) {
        received++;
        asked--;
        if (stopping) m.nak();
        else accept(m);
      }
      if (failing) s.log.info({ durable: s.durable }, 'pulling messages again');
      failing = false;
    } catch (error) {
      if (!stopping && !failing) {
        s.log.warn({ durable: s.durable, err: error }, 'pulling messages failed; will retry every second');
      }
      failing = true;
      pausedUntil = Date.now() + FETCH_RETRY_MS;
      setTimeout(pump, FETCH_RETRY_MS).unref();
    } finally {
      asked -= count - received;
      if (batch) fetches.delete(batch);
    }
    pump();
  };

  // A server that restarted has forgotten the pull requests: end them and ask again at once,
  // rather than wait for their expiry (or nats.js's retry, as long) while messages are waiting.
  const stopListening = s.link.onReconnect(() => {
    for (const batch of fetches) void batch.close().catch(() => undefined);
  });

  pump();

  return {
    async stop() {
      stopping = true;
      stopListening();
      await Promise.all([...fetches].map((batch) => batch.close().catch(() => undefined)));
      // Not started: back to the stream at once, for another copy (or the next start).
      for (const { m, alive } of waiting.splice(0)) {
        alive.stop();
        m.nak();
        held--;
      }
      await Promise.allSettled([...handling]);
    },
  };
}
