import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestkitError } from './errors.js';

let cached: string | undefined;

/**
 * The monorepo root: the nearest package.json above this module that declares `workspaces`.
 * Found from the module's own location (src/ under tsx, dist/ when built) rather than from the
 * current directory, so `npm test -w` or a run from a sub-folder finds the same root.
 */
export function repoRoot(): string {
  cached ??= findRoot(dirname(fileURLToPath(import.meta.url)));
  return cached;
}

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && 'workspaces' in JSON.parse(readFileSync(manifest, 'utf8'))) return dir;
    if (dirname(dir) === dir) throw new TestkitError(`no package.json with "workspaces" above ${start}`);
  }
}
