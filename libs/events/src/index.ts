export { ALWAYS_CONNECTED, type ConnectionState, connectionState } from './connection-state.js';
export {
  type ConsumerSpec,
  type DeliveryMeta,
  PermanentFailure,
  type RunningConsumer,
  runConsumer,
} from './consumer.js';
export { ensureConsumer } from './ensure-consumer.js';
export {
  connectionOf,
  DEFAULT_DUPLICATE_WINDOW_MS,
  ensureDirectoryStream,
  ensureStream,
  type JetStreamHandles,
  openJetStream,
  type StreamOptions,
} from './jetstream.js';
export { type ApiRetrySettings, isTransientApiError, retryJetStreamApi } from './jetstream-retry.js';
export { NoticedCache, type NoticedCacheOptions, publishNotice } from './noticed-cache.js';
export { Outbox } from './outbox.js';
export {
  dueFilter,
  dueOrder,
  failureUpdate,
  freshRelayFields,
  parkedFilter,
  publishableSince,
  type RelayFields,
  relayIndexKeys,
  retryParkedUpdate,
} from './outbox-fields.js';
export { type Periodic, type PeriodicSettings, startPeriodic } from './periodic.js';
export { EventPublisher, type OutgoingEvent, type PublishFailureListener } from './publisher.js';
export {
  DEFAULT_RELAY_BACKOFF_MS,
  DEFAULT_RELAY_BUSY_INTERVAL_MS,
  DEFAULT_RELAY_INTERVAL_MS,
  DEFAULT_RELAY_MAX_ATTEMPTS,
  type Relay,
  type RelayOptions,
  startRelay,
} from './relay.js';
export type { PendingEvent, RelayFailure, RelaySource } from './relay-source.js';
export {
  attemptsWithin,
  checkRelaySchedule,
  lastAttemptAgeMs,
  REPUBLISH_MARGIN_MS,
  type RelaySchedule,
  republishHorizonMs,
} from './republish-horizon.js';
export {
  isStreamMissing,
  retryUntilStream,
  STREAM_WAIT_FIRST_MS,
  STREAM_WAIT_MAX_MS,
  type StreamWait,
  type StreamWaitSettings,
} from './stream-wait.js';
