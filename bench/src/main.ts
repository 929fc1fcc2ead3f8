import { cpus, loadavg } from 'node:os';
import { fanout } from './fanout.js';
import { loadOptionsFromEnv } from './load.js';
import { renderSuite } from './report.js';
import type { Suite, SuiteResult } from './suite.js';
import { signatureLogin } from './suites/signature-login.js';

/**
 * The suites, run one after another (never in parallel: they would measure each other). A new
 * suite is a `Suite` in src/suites/ added here; main prints its section and its figures.
 */
const SUITES: Suite[] = [signatureLogin, fanout];

const load = loadOptionsFromEnv();
const progress = (message: string) => console.error(`[bench] ${message}`);
// Other work on the machine skews every figure: the load average goes into the report.
const loadBefore = loadavg();
progress(`${cpus().length} CPUs, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);

const results: SuiteResult[] = [];
const failures: string[] = [];
for (const suite of SUITES) {
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
// Last line: every figure, for scripts and for comparing runs.
console.log(
  JSON.stringify({
    bench: '@im/bench',
    at: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    loadAverageBefore: loadBefore,
    load,
    suites: results,
    failures,
  }),
);
process.exitCode = failures.length > 0 ? 1 : 0;
