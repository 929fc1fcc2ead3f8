/**
 * When a started process counts as ready: after a matching output line (if `line` is given), then
 * once `poll` passes (if given). Services say so with one pino line, `{"msg":"ready"}`; servers
 * that print no such line are polled instead.
 */
export interface ReadyCheck {
  line?: (line: string) => boolean;
  poll?: () => Promise<boolean>;
}

/** The line every service logs once it serves: pino JSON with `msg: "ready"`. */
export function isReadyLogLine(line: string): boolean {
  if (!line.includes('"ready"')) return false;
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null && (parsed as { msg?: unknown }).msg === 'ready';
  } catch {
    return false;
  }
}
