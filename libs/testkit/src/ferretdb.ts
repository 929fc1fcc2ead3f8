import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { withDirLock } from './dir-lock.js';
import { TestkitError } from './errors.js';
import { repoRoot } from './repo-root.js';

/**
 * SQLite's `synchronous` for every database file. FerretDB opens them in WAL mode, where SQLite's
 * default (FULL) fsyncs the log on every commit: each write then waits for the disk while it holds
 * its database's one writer lock, and a group create (a dozen writes) took twice as long (40
 * against 84 creates/s at 10 callers, measured). NORMAL fsyncs at checkpoints only. A process
 * crash still loses nothing and the file stays consistent; an OS crash or power cut can lose the
 * last commits, much as MongoDB's default journal interval allows (docs/ferretdb.md, "Durability").
 */
export const FERRETDB_SQLITE_QUERY = '?_pragma=synchronous(normal)';

/**
 * FerretDB's command line. `--state-dir`, `--debug-addr=-` and `--telemetry=disable` matter: without
 * them, instances share one state file and one debug port, and each tries to reach the internet.
 */
export function ferretdbArgs(dataDir: string, port: number): string[] {
  return [
    '--handler=sqlite',
    `--sqlite-url=file:${dataDir}/${FERRETDB_SQLITE_QUERY}`,
    `--listen-addr=127.0.0.1:${port}`,
    `--state-dir=${dataDir}`,
    '--debug-addr=-',
    '--telemetry=disable',
    '--log-level=warn',
  ];
}

/**
 * Builds FerretDB into <repo>/.tools/bin with scripts/install-ferretdb.sh (a no-op when built) and
 * returns its path. Parallel test files share one build through a lock in .tools.
 */
export async function buildFerretdb(goBinary: string, root = repoRoot()): Promise<string> {
  const tools = join(root, '.tools');
  const binary = join(tools, 'bin', 'ferretdb');
  await mkdir(tools, { recursive: true });
  await withDirLock(join(tools, 'ferretdb-build.lock'), async () => {
    if (!existsSync(binary))
      process.stderr.write('testkit: building FerretDB into .tools/bin (once; takes a few minutes)\n');
    const output: string[] = [];
    const child = spawn('bash', [join(root, 'scripts', 'install-ferretdb.sh')], {
      cwd: root,
      env: { ...process.env, PATH: `${dirname(goBinary)}${delimiter}${process.env.PATH ?? ''}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const code = await new Promise<number | null>((resolve) => {
      child.once('close', resolve);
      child.once('error', () => resolve(null));
    });
    if (code !== 0 || !existsSync(binary)) {
      throw new TestkitError(
        `building FerretDB failed (scripts/install-ferretdb.sh):\n${output.join('').slice(-4000)}`,
      );
    }
  });
  return binary;
}
