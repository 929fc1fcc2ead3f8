import { safeText } from '@im/contracts';

export interface LoggableError {
  type: string;
  message: string;
  code?: unknown;
  stack?: string;
}

/** Longest error message a log line repeats, in code points. */
const LOGGED_MESSAGE_MAX = 2_000;

/**
 * An error as a log line may carry it. Messages of errors we did not make (the driver's, a
 * library's, a TypeError) may repeat input, and pretty logs print the stack as it is: the message
 * is made safe (control characters escaped, cut short) everywhere it appears, the stack's frames
 * are kept. Never throws, whatever was thrown (a null-prototype object, a revoked proxy).
 */
export function loggableError(error: unknown): LoggableError {
  try {
    if (error instanceof Error) {
      const message = safeText(String(error.message), LOGGED_MESSAGE_MAX);
      const logged: LoggableError = { type: safeText(error.name, 64), message };
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' || typeof code === 'number') logged.code = code;
      if (typeof error.stack === 'string') logged.stack = framesOf(error.stack, error.message, message);
      return logged;
    }
    return { type: typeof error, message: safeText(String(error), LOGGED_MESSAGE_MAX) };
  } catch {
    return { type: typeof error, message: 'unprintable value' };
  }
}

/**
 * `Name: message` then the frames, with the raw message replaced by its safe text: frames are
 * code locations and keep their line breaks. A stack that does not hold the message as it is
 * (a cause's message, a rewritten stack) is escaped whole, onto one line.
 */
function framesOf(stack: string, raw: string, safe: string): string {
  const at = raw === '' ? -1 : stack.indexOf(raw);
  if (at === -1) return raw === '' ? stack : safeText(stack, 4_000);
  return stack.slice(0, at) + safe + stack.slice(at + raw.length);
}
