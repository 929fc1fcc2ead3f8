export { lazyChild } from './lazy-child.js';
export { createLogger, type Logger, type LoggerSettings } from './logger.js';
