#!/usr/bin/env node
// prestart / pretest / prebench hook: install the Node dependencies when they are missing or older
// than the lockfile, so `npm start` and `npm test` work right after a clone or a pull.
// npm writes node_modules/.package-lock.json after package-lock.json, so an up-to-date install is
// never "older". Plain Node on purpose: it runs before any dependency exists.
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
  // npm ci refuses a lockfile that lacks other platforms' optional packages (a registry mirror
  // without them produces one); npm install accepts it.
  if (args[0] === 'ci' && npm(['install'])) return;
  console.error('ensure-deps: installing the dependencies failed');
  process.exit(1);
}

const lockTime = mtime(lockfile);
const installTime = mtime(installed);
if (lockTime === undefined) install(['install']);
else if (installTime === undefined || installTime < lockTime) install(['ci']);
