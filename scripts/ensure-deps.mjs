#!/usr/bin/env node
// prestart / pretest / prebench hook: install the Node dependencies when they are missing or older
// than the lockfile, so `npm start` and `npm test` work right after a clone or a pull; and build
// nats-server 2.15 into .tools/bin once when Go is here (the server the tests are meant for).
// npm writes node_modules/.package-lock.json after package-lock.json, so an up-to-date install is
// never "older". Plain Node on purpose: it runs before any dependency exists, on the Node.js that
// scripts/use-node.sh put first on PATH.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const lockfile = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');

const mtime = (file) => (existsSync(file) ? statSync(file).mtimeMs : undefined);

function npm(args) {
  console.error(`ensure-deps: running npm ${args.join(' ')}`);
  return (
    spawnSync('npm', args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' }).status === 0
  );
}

function install(args) {
  if (npm(args)) return;
  // No npm install fallback: it would rewrite package-lock.json behind the developer's back.
  const hint =
    args[0] === 'ci'
      ? ' (a package.json out of step with package-lock.json? `npm install` updates the lockfile)'
      : '';
  console.error(`ensure-deps: installing the dependencies failed${hint}`);
  process.exit(1);
}

const lockTime = mtime(lockfile);
const installTime = mtime(installed);
if (lockTime === undefined) install(['install']);
else if (installTime === undefined || installTime < lockTime) install(['ci']);

// Without Go, or when the build fails, the testkit falls back to a nats-server on PATH and says so.
const hasGo = spawnSync('sh', ['-c', 'command -v go || test -x /usr/local/go/bin/go'], { stdio: 'ignore' });
if (hasGo.status === 0) {
  const build = spawnSync('bash', [join(root, 'scripts', 'install-nats-server.sh')], { stdio: 'inherit' });
  if (build.status !== 0) console.error('ensure-deps: building nats-server failed; using one from PATH');
}
