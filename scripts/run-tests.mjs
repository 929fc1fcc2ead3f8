#!/usr/bin/env node
// Runs every test file once and ends with exactly one line, `N passed, N failed[, N skipped]`, the
// line CI reads. Exits non-zero when vitest failed, a test failed, the report is missing, or no
// test ran at all (a broken include pattern must not look like success). Plain Node, no deps.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const reportFile = join(root, 'reports', 'vitest.json');
rmSync(reportFile, { force: true }); // a stale report must never stand in for this run

// vitest needs Node.js 22 or newer; `npm test` puts one first on PATH (scripts/use-node.sh).
if (Number(process.versions.node.split('.')[0]) < 22)
  finish(0, 1, 0, `Node.js ${process.version} is too old: run \`npm test\`, which brings Node.js 24`);

const vitest = spawnSync(
  'npx',
  ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile=reports/vitest.json'],
  { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' },
);

function finish(passed, failed, skipped, problem) {
  if (problem) console.error(`run-tests: ${problem}`);
  console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
  process.exit(problem || failed > 0 ? 1 : 0);
}

if (!existsSync(reportFile))
  finish(0, 1, 0, `vitest wrote no report (exit ${vitest.status ?? vitest.signal})`);

const report = JSON.parse(readFileSync(reportFile, 'utf8'));
const passed = report.numPassedTests ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
let failed = report.numFailedTests ?? 0;
// A file that fails to load (syntax error, failing hook) fails no single test: count it anyway,
// so the line never says "0 failed" for a run that failed.
if (vitest.status !== 0 && failed === 0) failed = Math.max(1, report.numFailedTestSuites ?? 0);

if (vitest.status !== 0)
  finish(passed, failed, skipped, `vitest exited with ${vitest.status ?? vitest.signal}`);
if (passed + failed === 0) finish(0, 1, skipped, 'no test ran');
finish(passed, failed, skipped);
