# Sourced, not run (`. scripts/use-node.sh`, from the repository root): makes `node` on PATH a
# Node.js the project supports for the rest of the calling shell. With the machine's own node
# older than 22, it installs Node.js 24 into .tools/node (scripts/install-node.sh) and puts that
# first on PATH; everything started afterwards (npm, turbo, tsc, vitest, the services) runs on it.
# POSIX sh, because npm runs scripts with sh and this must work before any dependency exists.

use_node_supported() {
  node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)' 2>/dev/null
}

if ! use_node_supported; then
  sh scripts/install-node.sh || return 1
  PATH="$PWD/.tools/node/node_modules/.bin:$PATH"
  export PATH
  hash -r 2>/dev/null || true
fi
unset -f use_node_supported
