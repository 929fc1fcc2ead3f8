import { Counter, Gauge } from 'prom-client';
import { SeriesHistogram } from './series-histogram.js';

/**
 * Every metric the system records, defined once. Libraries record into these (the service runner,
 * the consumer runner, the gateway), so every process exposes the same names.
 */

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export const httpDuration = new SeriesHistogram(
  'im_http_request_duration_seconds',
  'Time from an HTTP request to its answer, by method, route template and status',
  LATENCY_BUCKETS,
);

/** Requests answered by the gateway, by method, route template and status (the histogram's counts). */
export const httpRequests = httpDuration.counter(
  'im_http_requests_total',
  'HTTP requests answered by the gateway, by method, route template and status',
);

/** NATS service handlers: time taken, by subject and outcome (`ok` or the error code). */
export const handlerDuration = new SeriesHistogram(
  'im_handler_duration_seconds',
  'Time a NATS service handler took, by subject and outcome (ok or the error code)',
  LATENCY_BUCKETS,
);

export const handlerErrors = new Counter({
  name: 'im_handler_errors_total',
  help: 'NATS service requests answered with an error, by subject and error code',
  labelNames: ['subject', 'code'] as const,
});

export const consumerMessages = new Counter({
  name: 'im_consumer_messages_total',
  help: 'JetStream messages a durable consumer settled, by outcome (ack, retry, dead_letter)',
  labelNames: ['consumer', 'outcome'] as const,
});

export const consumerRedeliveries = new Counter({
  name: 'im_consumer_redeliveries_total',
  help: 'JetStream messages received again after an earlier attempt (delivery count above 1)',
  labelNames: ['consumer'] as const,
});

export const deadLetters = new Counter({
  name: 'im_dead_letters_total',
  help: 'Messages a consumer gave up on and parked on its dead-letter subject',
  labelNames: ['consumer'] as const,
});

export const outboxPublished = new Counter({
  name: 'im_outbox_relayed_total',
  help: 'Events the outbox relay published after their request could not (crash or outage)',
  labelNames: ['source'] as const,
});

export const outboxFailures = new Counter({
  name: 'im_outbox_relay_failures_total',
  help: 'Attempts of the outbox relay to publish an event that failed while NATS was connected',
  labelNames: ['source'] as const,
});

export const outboxParked = new Counter({
  name: 'im_outbox_parked_total',
  help: 'Events the outbox relay gave up on after their last attempt (parked until an operator retries them)',
  labelNames: ['source'] as const,
});

export const outboxParkedNow = new Gauge({
  name: 'im_outbox_parked',
  help: 'Events parked in an outbox now, as the relay last counted them',
  labelNames: ['source'] as const,
});
