import { mkdir, mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withDirLock } from '../src/dir-lock.js';
import { sleep } from '../src/index.js';

let base: string;
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('withDirLock', () => {
  it('runs concurrent holders one after the other and releases the lock', async () => {
    base = await mkdtemp(join(tmpdir(), 'testkit-lock-'));
    const lock = join(base, 'build.lock');
    const events: string[] = [];
    const task = (name: string) =>
      withDirLock(lock, async () => {
        events.push(`enter ${name}`);
        await sleep(150);
        events.push(`leave ${name}`);
        return name;
      });
    expect(await Promise.all([task('a'), task('b')])).toEqual(['a', 'b']);
    expect(events).toEqual(['enter a', 'leave a', 'enter b', 'leave b']);
    await expect(mkdir(lock)).resolves.toBeUndefined(); // released
  });

  it('takes over a lock left behind by a killed process', async () => {
    base = await mkdtemp(join(tmpdir(), 'testkit-lock-'));
    const lock = join(base, 'build.lock');
    await mkdir(lock);
    const anHourAgo = new Date(Date.now() - 3_600_000);
    await utimes(lock, anHourAgo, anHourAgo);
    expect(await withDirLock(lock, async () => 'ran', { staleMs: 60_000, timeoutMs: 2000 })).toBe('ran');
  });

  it('gives up after its timeout while a live holder keeps the lock', async () => {
    base = await mkdtemp(join(tmpdir(), 'testkit-lock-'));
    const lock = join(base, 'build.lock');
    await mkdir(lock);
    await expect(withDirLock(lock, async () => 'ran', { timeoutMs: 300 })).rejects.toThrow(/gave up waiting/);
  });
});
