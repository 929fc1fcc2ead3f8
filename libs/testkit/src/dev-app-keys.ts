import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * The local run's signature keys: `{"1": "<32 hex>"}`, written once and then reused, so signatures
 * a developer obtained stay valid across restarts. Readable by its owner only: it holds a master key.
 */
export async function ensureDevAppKeys(file: string): Promise<string> {
  if (!existsSync(file)) {
    await mkdir(dirname(file), { recursive: true });
    const keys = { '1': randomBytes(16).toString('hex') };
    await writeFile(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600, flag: 'wx' }).catch(
      (error) => {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      },
    );
  }
  return file;
}
