import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths never written to a log line: credentials in HTTP headers and anything named like a key.
 * Redaction is by path, so a secret must be logged under one of these names to be caught; code
 * that holds keys (the signature service) simply never logs them.
 */
const SECRET_NAMES = [
  'key',
  'masterKey',
  'master_key',
  'secret',
  'password',
  'token',
  'authorization',
  'privateKey',
  'private_key',
];
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  // pino's `*` is one level: a secret inside one object is caught, and the likeliest names at the
  // top too (every path costs a little on each request's child logger: not all of them twice).
  'key',
  'secret',
  'token',
  'password',
  'authorization',
  ...SECRET_NAMES.map((name) => `*.${name}`),
];

export interface LoggerSettings {
  /** The process or component, written as `service` on every line. */
  name: string;
  level?: string;
  /** Where lines go instead of stdout (tests read them back). */
  destination?: DestinationStream;
}

/** JSON lines for machines; pretty output only when a person is watching a terminal. */
export function createLogger({ name, level = 'info', destination }: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: name, pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (destination) return pino(options, destination);
  if (process.stdout.isTTY && process.env.LOG_PRETTY !== '0') {
    options.transport = { target: 'pino-pretty', options: { colorize: true, singleLine: true } };
  }
  return pino(options);
}
