import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackTempDir, untrackTempDir } from './exit-cleanup.js';

/** A fresh folder under the OS temp dir, removed at process exit if nobody removed it before. */
export async function makeTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  trackTempDir(dir);
  return dir;
}

export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  untrackTempDir(dir);
}

/**
 * A server's data folder: `kept` when the caller wants its data to outlive the server (created if
 * missing, never removed), else a temp folder that release() removes.
 */
export async function dataFolder(
  kept: string | undefined,
  prefix: string,
): Promise<{ dir: string; release(): Promise<void> }> {
  if (kept) {
    await mkdir(kept, { recursive: true });
    return { dir: kept, release: async () => {} };
  }
  const dir = await makeTempDir(prefix);
  return { dir, release: () => removeTempDir(dir) };
}
