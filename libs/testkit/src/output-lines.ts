import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** The last lines a child printed, stdout and stderr interleaved, for assertions and error messages. */
export class OutputLines {
  readonly #lines: string[] = [];

  constructor(private readonly kept: number) {}

  /** Reads `child`'s output line by line: keeps each line, then hands it on. */
  follow(child: ChildProcess, onLine: (line: string, stream: 'stdout' | 'stderr') => void): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const input = child[stream];
      if (!input) continue;
      createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
        this.#lines.push(line);
        if (this.#lines.length > this.kept) this.#lines.shift();
        onLine(line, stream);
      });
    }
  }

  text(): string {
    return this.#lines.join('\n');
  }
}
