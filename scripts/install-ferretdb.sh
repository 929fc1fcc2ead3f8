#!/usr/bin/env bash
# Builds FerretDB (the MongoDB-wire server our tests and local runs use) into .tools/bin, once.
# `go install ...@v1.24.2` does not work: the module zip lacks build/version/version.txt, which the
# binary insists on when it is the main module. So: download the module, add the file, build it.
set -euo pipefail
VERSION="${FERRETDB_VERSION:-v1.24.2}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/.tools/bin/ferretdb"
if [ -x "$out" ] && "$out" --version 2>/dev/null | grep -q "version: $VERSION"; then
  exit 0
fi
command -v go >/dev/null 2>&1 || PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null 2>&1 || { echo "install-ferretdb: Go is needed to build FerretDB $VERSION (install Go, or put mongod or ferretdb on PATH)" >&2; exit 1; }
src_dir="$(go mod download -json "github.com/FerretDB/FerretDB@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[ -d "$src_dir" ] || { echo "install-ferretdb: could not download FerretDB $VERSION" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$src_dir" "$work/src"
chmod -R u+w "$work/src"
echo "$VERSION" > "$work/src/build/version/version.txt"
mkdir -p "$(dirname "$out")"
echo "install-ferretdb: building FerretDB $VERSION into $out" >&2
(cd "$work/src" && go build -trimpath -o "$out.tmp" ./cmd/ferretdb)
mv "$out.tmp" "$out"
