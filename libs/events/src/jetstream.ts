import { type StreamSpec, Streams } from '@im/contracts';
import {
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  type StreamInfo,
} from '@nats-io/jetstream';
import { type NatsConnection, nanos } from '@nats-io/transport-node';
import { type ApiRetrySettings, retryJetStreamApi } from './jetstream-retry.js';

/** The duplicate window of the streams we create, and the one relays are bounded by by default. */
export const DEFAULT_DUPLICATE_WINDOW_MS = 10 * 60_000;

/** JetStream's err_code for "stream name already in use" (not among nats.js's named codes). */
const STREAM_NAME_IN_USE = 10058;

export interface JetStreamHandles {
  js: JetStreamClient;
  jsm: JetStreamManager;
}

/** The connection each client opened here runs on: a relay skips its passes while it is down. */
const connections = new WeakMap<JetStreamClient, NatsConnection>();

export async function openJetStream(nc: NatsConnection): Promise<JetStreamHandles> {
  const js = jetstream(nc);
  connections.set(js, nc);
  return { js, jsm: await jetstreamManager(nc) };
}

/** The connection of a client from `openJetStream`; undefined for one made elsewhere. */
export const connectionOf = (js: JetStreamClient): NatsConnection | undefined => connections.get(js);

export interface StreamOptions {
  /** 1 on a single server; 3 on a cluster (JETSTREAM_REPLICAS). */
  replicas?: number;
  /**
   * Repeats of one event id within this window are dropped by the server. The relays rely on it
   * (republish-horizon.ts): it must be the window they are started with, DEFAULT_DUPLICATE_WINDOW_MS
   * unless both are given another.
   */
  duplicateWindowMs?: number;
  /** How long a cluster that is still settling is asked again (jetstream-retry.ts). */
  retry?: ApiRetrySettings;
}

/**
 * Creates the stream when missing: the publisher's side calls this for the streams it publishes
 * into (see Streams in @im/contracts for who owns which), never a side that only reads. An
 * existing stream is left as an operator may have tuned it, except that its subjects are widened
 * to include ours and its duplicate window to at least ours (where its max_age allows): the relays'
 * promise not to double an event rests on that window (republish-horizon.ts).
 *
 * Every copy of a service calls this at start, often at the same moment: identical creates all
 * succeed, one that loses the race to a different config continues with the stream the winner
 * made, and a cluster still electing the new stream's leader is asked again (retryJetStreamApi).
 */
export async function ensureStream(
  jsm: JetStreamManager,
  spec: StreamSpec,
  { replicas = 1, duplicateWindowMs = DEFAULT_DUPLICATE_WINDOW_MS, retry }: StreamOptions = {},
): Promise<void> {
  await retryJetStreamApi(async () => {
    let info = await infoOf(jsm, spec.name);
    if (!info) {
      try {
        await jsm.streams.add({
          name: spec.name,
          subjects: [...spec.subjects],
          num_replicas: replicas,
          duplicate_window: nanos(duplicateWindowMs),
        });
        return;
      } catch (addError) {
        // Another copy created it between our look and our add, with another config.
        if (!(addError instanceof JetStreamApiError) || addError.code !== STREAM_NAME_IN_USE) throw addError;
      }
      info = await jsm.streams.info(spec.name);
    }
    await widen(jsm, info, spec, nanos(duplicateWindowMs));
  }, retry);
}

async function infoOf(jsm: JetStreamManager, name: string): Promise<StreamInfo | undefined> {
  try {
    return await jsm.streams.info(name);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** Our subjects added, the duplicate window raised to ours unless max_age (0: none) is shorter. */
async function widen(jsm: JetStreamManager, info: StreamInfo, spec: StreamSpec, window: number) {
  const subjects = info.config.subjects ?? [];
  const missing = spec.subjects.filter((s) => !subjects.includes(s));
  const maxAge = info.config.max_age ?? 0;
  const raise = (info.config.duplicate_window ?? 0) < window && (maxAge === 0 || maxAge >= window);
  if (missing.length === 0 && !raise) return;
  await jsm.streams.update(spec.name, {
    ...(missing.length > 0 ? { subjects: [...subjects, ...missing] } : {}),
    ...(raise ? { duplicate_window: window } : {}),
  });
}

/**
 * DIRECTORY, as the directory (another system) or an operator provisions it: no service of ours
 * creates it, they only read it (the gateway's admin routes publish into it, and answer 503 naming
 * it while it is missing). `im-ensure-streams` runs this; so does the testkit's stack, standing
 * in for the directory, and every test that publishes directory events.
 */
export const ensureDirectoryStream = (jsm: JetStreamManager, options: StreamOptions = {}): Promise<void> =>
  ensureStream(jsm, Streams.directory, options);
