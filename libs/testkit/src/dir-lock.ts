import { mkdir, rm, stat } from 'node:fs/promises';
import { TestkitError } from './errors.js';
import { sleep } from './wait.js';

export interface DirLockOptions {
  /** A lock older than this was left by a killed process and is taken over. */
  staleMs?: number;
  timeoutMs?: number;
}

/**
 * Runs `task` while holding a lock across processes: mkdir is atomic, so of several test files
 * wanting to build FerretDB at once, one builds and the others wait, then find it built.
 */
export async function withDirLock<T>(
  lockDir: string,
  task: () => Promise<T>,
  options: DirLockOptions = {},
): Promise<T> {
  const { staleMs = 15 * 60_000, timeoutMs = 20 * 60_000 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const age = await stat(lockDir).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > staleMs) await rm(lockDir, { recursive: true, force: true });
    else if (Date.now() > deadline) throw new TestkitError(`gave up waiting for the lock ${lockDir}`);
    else await sleep(250);
  }
  try {
    return await task();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}
