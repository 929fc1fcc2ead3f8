import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureDevAppKeys } from '../src/dev-app-keys.js';

let dir: string;
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ensureDevAppKeys', () => {
  it('writes {"1": <32 hex>} once, readable by its owner only, and keeps it on later runs', async () => {
    dir = await mkdtemp(join(tmpdir(), 'testkit-keys-'));
    const file = join(dir, '.data', 'dev-app-keys.json');
    expect(await ensureDevAppKeys(file)).toBe(file);
    const first = readFileSync(file, 'utf8');
    expect(Object.keys(JSON.parse(first))).toEqual(['1']);
    expect(JSON.parse(first)['1']).toMatch(/^[0-9a-f]{32}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    await ensureDevAppKeys(file);
    expect(readFileSync(file, 'utf8')).toBe(first);
  });
});
