export { type ConsumerSpec, type DeliveryMeta, type RunningConsumer, runConsumer } from './consumer.js';
export { ensureStream, type JetStreamHandles, openJetStream, type StreamOptions } from './jetstream.js';
export { Outbox, type RelaySource } from './outbox.js';
export { EventPublisher, type OutgoingEvent } from './publisher.js';
export { type Relay, type RelaySettings, startRelay } from './relay.js';
