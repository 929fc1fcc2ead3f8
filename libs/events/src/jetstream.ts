import { type StreamSpec, Streams } from '@im/contracts';
import {
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { type NatsConnection, nanos } from '@nats-io/transport-node';

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
  /** Repeats of one event id within this window are dropped by the server. */
  duplicateWindowMs?: number;
}

/**
 * Creates the stream when missing: the publisher's side calls this for the streams it publishes
 * into (see Streams in @im/contracts for who owns which), never a side that only reads. An existing stream is left as an operator may have tuned it,
 * except that its subjects are widened to include ours.
 */
export async function ensureStream(
  jsm: JetStreamManager,
  spec: StreamSpec,
  { replicas = 1, duplicateWindowMs = 10 * 60_000 }: StreamOptions = {},
): Promise<void> {
  try {
    const info = await jsm.streams.info(spec.name);
    const missing = spec.subjects.filter((s) => !info.config.subjects?.includes(s));
    if (missing.length > 0) {
      await jsm.streams.update(spec.name, { subjects: [...(info.config.subjects ?? []), ...missing] });
    }
  } catch (error) {
    if (!(error instanceof JetStreamApiError) || error.status !== 404) throw error;
    try {
      await jsm.streams.add({
        name: spec.name,
        subjects: [...spec.subjects],
        num_replicas: replicas,
        duplicate_window: nanos(duplicateWindowMs),
      });
    } catch (addError) {
      // Another process created it between our look and our add: that is what we wanted.
      if (!(addError instanceof JetStreamApiError) || addError.code !== STREAM_NAME_IN_USE) {
        throw addError;
      }
    }
  }
}

/**
 * DIRECTORY, as the directory (another system) or an operator provisions it: no service of ours
 * creates it, they only read it (the gateway's admin routes publish into it, and answer 503 naming
 * it while it is missing). `im-ensure-streams` runs this; so does the testkit's stack, standing
 * in for the directory, and every test that publishes directory events.
 */
export const ensureDirectoryStream = (jsm: JetStreamManager, options: StreamOptions = {}): Promise<void> =>
  ensureStream(jsm, Streams.directory, options);
