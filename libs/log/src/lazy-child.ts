import type { Bindings, ChildLoggerOptions, Level, LevelWithSilentOrString, Logger } from 'pino';

type LogMethod = (...args: unknown[]) => void;

/**
 * A child logger made only when something logs through it. A pino child with redaction costs a
 * few microseconds to build, and a web framework builds one per request (Fastify's request.log),
 * while most requests never log a line: measured as the largest item of the gateway's own work.
 * One small object per request; the real child is built on the first call.
 */
class LazyChild {
  #child: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions | undefined,
  ) {}

  #real(): Logger {
    this.#child ??= this.parent.child(this.bindings, this.options);
    return this.#child;
  }

  #call(level: Level, args: unknown[]): void {
    if (!this.isLevelEnabled(level)) return; // below the level: no child, no work
    (this.#real()[level] as LogMethod)(...args);
  }

  get level(): LevelWithSilentOrString {
    return this.#child?.level ?? this.options?.level ?? this.parent.level;
  }

  isLevelEnabled(level: LevelWithSilentOrString): boolean {
    if (this.#child) return this.#child.isLevelEnabled(level);
    if (this.options?.level === undefined) return this.parent.isLevelEnabled(level);
    return this.#real().isLevelEnabled(level);
  }

  fatal(...args: unknown[]): void {
    this.#call('fatal', args);
  }
  error(...args: unknown[]): void {
    this.#call('error', args);
  }
  warn(...args: unknown[]): void {
    this.#call('warn', args);
  }
  info(...args: unknown[]): void {
    this.#call('info', args);
  }
  debug(...args: unknown[]): void {
    this.#call('debug', args);
  }
  trace(...args: unknown[]): void {
    this.#call('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.#real().child(bindings, options);
  }
}

export function lazyChild(parent: Logger, bindings: Bindings, options?: ChildLoggerOptions): Logger {
  return new LazyChild(parent, bindings, options) as unknown as Logger;
}
