import { Type } from '@sinclair/typebox';

/** Variables every process reads. Services spread these into their own schema. */
export const CommonConfig = {
  NATS_URL: Type.String({ default: 'nats://127.0.0.1:4222', minLength: 1 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' },
  ),
};

export const MongoConfig = {
  MONGO_URL: Type.String({ default: 'mongodb://127.0.0.1:27017/im', pattern: '^mongodb(\\+srv)?://' }),
};

/** Where a process without an HTTP server of its own serves `GET /metrics`; `0` picks a free port. */
export const metricsConfig = (defaultPort: number) => ({
  METRICS_PORT: Type.Integer({ default: defaultPort, minimum: 0, maximum: 65_535 }),
  METRICS_HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
});
