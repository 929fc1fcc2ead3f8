/**
 * Text that repeats input goes into error messages, log lines and NATS headers, so it is hostile:
 * a CR/LF would end a header line, an ANSI escape would repaint an operator's terminal, U+2028
 * ends a line in some log viewers. `quote` makes a value safe to show; `safeText` makes a whole
 * message safe (AppError runs every message through it).
 */

/** Longest value an error message repeats, in code points; longer ones are cut with `…`. */
export const QUOTE_MAX = 64;
/** Longest error message, in code points. */
export const MESSAGE_MAX = 512;

// C0 controls, DEL, C1 controls, the line and paragraph separators, and lone surrogates.
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function escapeOne(ch: string): string {
  switch (ch) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    default:
      return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
  }
}

/** Control characters escaped as `\n`, `\r`, `\t` or `\uXXXX`; the rest as it is. */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}

/** At most `max` code points, with `…` when cut (never splits a surrogate pair). */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const points = Array.from(text);
  return points.length <= max ? text : `${points.slice(0, max - 1).join('')}…`;
}

/** A value as an error message may show it: in double quotes, escaped, at most `max` code points. */
export function quote(value: unknown, max = QUOTE_MAX): string {
  return `"${escapeControls(cut(String(value), max))}"`;
}

/** A whole message made safe for a header, a log line or a terminal. */
export function safeText(text: string, max = MESSAGE_MAX): string {
  return escapeControls(cut(text, max));
}
