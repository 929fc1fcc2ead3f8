import { cpus, loadavg, totalmem } from 'node:os';
import { fanout } from './fanout.js';
import { loadOptionsFromEnv } from './load.js';
import { renderSuite } from './report.js';
import { startStealWindow } from './steal.js';
import type { Suite, SuiteResult } from './suite.js';
import { burst } from './suites/burst.js';
import { idle } from './suites/idle.js';
import { live } from './suites/live.js';
import { signatureLogin } from './suites/signature-login.js';
import { volume } from './suites/volume.js';
import { volumeReads } from './suites/volume-reads.js';

/**
 * The suites by the name that picks them (`npm run bench -- volume`), run one after another
 * (never in parallel: they would measure each other). A new suite is a `Suite` in src/suites/
 * added here; main prints its section and its figures.
 */
const SUITES: Record<string, Suite> = {
  signature: signatureLogin,
  fanout,
  volume,
  'volume-reads': volumeReads,
  idle,
  live,
  burst,
};
/** What `npm run bench` runs without names. The volume suite seeds a school year: only when asked. */
const DEFAULT_SUITES = ['signature', 'fanout'];

const USAGE = `usage: npm run bench [-- <suite>...]
  no suite     ${DEFAULT_SUITES.join(', ')}
  signature    the signature path under load next to an in-process baseline
  fanout       a class push fanned out, next to a raw insertMany
  volume       every route on an empty store, then on a seeded school year (VOLUME_SCALE=0.01: a quick run)
  volume-reads the read routes alone on a kept store (VOLUME_STORE_DIR), with each process's CPU per answer
  idle         the idle stack's CPU per process, on an empty store and after some writes (IDLE_S=60)
  live         2,000 idle notification streams on one gateway (RSS, CPU), then one push: 201 → each event (LIVE_AUTH=ticket)
  burst        20 classes of 2,000 pushed at once, 100 of each streaming: statuses, push p99, until all landed`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
const unknown = args.filter((name) => !(name in SUITES));
if (unknown.length > 0) {
  console.error(`bench: no suite named ${unknown.map((name) => `"${name}"`).join(', ')}\n${USAGE}`);
  process.exit(2);
}
const selected = (args.length > 0 ? [...new Set(args)] : DEFAULT_SUITES).map((name) => SUITES[name]!);

const load = loadOptionsFromEnv();
const progress = (message: string) => console.error(`[bench] ${message}`);
// Other work on the machine skews every figure: the machine and its load average head the report.
const loadBefore = loadavg();
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB`;
progress(`${cpus().length} CPUs, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
console.log(
  `@im/bench ${new Date().toISOString()}: ${machine}; Node.js ${process.version}; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}\n`,
);

const steal = startStealWindow();
const results: SuiteResult[] = [];
const failures: string[] = [];
for (const suite of selected) {
  progress(`suite "${suite.name}"`);
  try {
    const result = await suite.run({ load, progress: (message) => progress(`${suite.name}: ${message}`) });
    results.push(result);
    failures.push(...result.errors.map((error) => `${suite.name}: ${error}`));
    console.log(renderSuite(result, load));
  } catch (error) {
    // One broken suite must not hide the others' figures; the exit code still says it broke.
    failures.push(
      `${suite.name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  }
}

if (failures.length > 0) {
  console.log(
    `FAILED (the figures above, if any, are not to be trusted):\n${failures.map((f) => `  ${f}`).join('\n')}\n`,
  );
}
const stealPct = steal.stop();
if (stealPct !== undefined) {
  console.log(
    `CPU steal during the run: ${stealPct.toFixed(1)}% of the machine's CPU time (time the hypervisor gave other guests)\n`,
  );
}
// Last line: every figure, for scripts and for comparing runs.
console.log(
  JSON.stringify({
    bench: '@im/bench',
    at: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    loadAverageBefore: loadBefore,
    stealPct,
    load,
    // The tables are above; the figures they show are in `runs`, `checks` and `figures`.
    suites: results.map(({ sections: _tables, ...result }) => result),
    failures,
  }),
);
process.exitCode = failures.length > 0 ? 1 : 0;
