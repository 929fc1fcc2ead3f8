import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths never written to a log line: credentials in HTTP headers and anything named like a key.
 * Redaction is by path, so a secret must be logged under one of these names to be caught; code
 * that holds keys (the signature service) simply never logs them.
 */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.key',
  '*.masterKey',
  '*.master_key',
  '*.secret',
  '*.password',
];

export interface LoggerSettings {
  /** The process or component, written as `service` on every line. */
  name: string;
  level?: string;
}

/** JSON lines for machines; pretty output only when a person is watching a terminal. */
export function createLogger({ name, level = 'info' }: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: name, pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (process.stdout.isTTY && process.env.LOG_PRETTY !== '0') {
    options.transport = { target: 'pino-pretty', options: { colorize: true, singleLine: true } };
  }
  return pino(options);
}
