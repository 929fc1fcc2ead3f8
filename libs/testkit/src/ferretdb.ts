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
 * FerretDB's environment. Its CPU goes mostly to turning documents to and from its JSON storage
 * form, which allocates heavily; Go's default GOGC=100 then spends a large share on garbage
 * collection. GOGC=400 lets the heap grow to five times the live data before a collection:
 * look-ups by `_id` went from 815 to 1,236 a second at 50 callers (the rest of the CPU being the
 * same work), for 30 MB more RSS (measured; docs/ferretdb.md, "Our build"). A GOGC already set
 * in the environment is kept.
 */
export function ferretdbEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return { GOGC: env.GOGC ?? '400' };
}

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
