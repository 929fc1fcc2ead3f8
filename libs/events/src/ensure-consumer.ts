import {
  type ConsumerConfig,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { type ApiRetrySettings, retryJetStreamApi } from './jetstream-retry.js';
import { isStreamMissing } from './stream-wait.js';

/** JetStream's "consumer already exists" (a create whose config differs from the one there). */
const CONSUMER_EXISTS = 10_148;
/** JetStream's "consumer name already in use" (the same, as older servers say it). */
const CONSUMER_NAME_IN_USE = 10_013;

/**
 * Creates the durable, or brings the one there to `config`. Every copy of a service calls this
 * at start, often at the same moment: two creates of an identical config both succeed, and a
 * create that loses the race to a different config (another version of the service) becomes an
 * update. While the stream has no leader yet (an R3 stream just created, or one being moved),
 * the API does not answer or answers 503: that is retried with backoff for a bounded time (see
 * retryJetStreamApi). A missing stream is not: it rejects at once (isStreamMissing), so that the
 * caller can wait for the stream's publisher.
 */
export function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  config: Partial<ConsumerConfig> & { durable_name: string },
  retry: ApiRetrySettings = {},
): Promise<void> {
  return retryJetStreamApi(() => ensureOnce(jsm, stream, config), retry);
}

async function ensureOnce(
  jsm: JetStreamManager,
  stream: string,
  config: Partial<ConsumerConfig> & { durable_name: string },
): Promise<void> {
  const durable = config.durable_name;
  if (await exists(jsm, stream, durable)) {
    await jsm.consumers.update(stream, durable, config);
    return;
  }
  try {
    await jsm.consumers.add(stream, config);
  } catch (error) {
    if (!isTakenByAnother(error)) throw error;
    // Another copy created it between our look and our create, with a config of its own.
    await jsm.consumers.update(stream, durable, config);
  }
}

async function exists(jsm: JetStreamManager, stream: string, durable: string): Promise<boolean> {
  try {
    await jsm.consumers.info(stream, durable);
    return true;
  } catch (error) {
    if (isStreamMissing(error)) throw error;
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound) return false;
    throw error;
  }
}

const isTakenByAnother = (error: unknown): boolean =>
  error instanceof JetStreamApiError &&
  (error.code === CONSUMER_EXISTS || error.code === CONSUMER_NAME_IN_USE);
