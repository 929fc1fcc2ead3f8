#!/usr/bin/env bash
# Builds FerretDB (the MongoDB-wire server our tests and local runs use) into .tools/bin, once.
# `go install ...@v1.24.2` does not work: the module zip lacks build/version/version.txt, which the
# binary insists on when it is the main module. So: download the module, add the file, patch one
# line (below), build it.
#
# The patch: the SQLite backend looks documents up by `_ferretdb_sjson->'$._id'`, but the unique
# index it creates on every collection is on `_ferretdb_sjson->"_id"`. SQLite matches index
# expressions by their text, so every lookup, update and delete by `_id` scanned the whole table
# (EXPLAIN QUERY PLAN: SCAN instead of SEARCH ... USING INDEX). Both expressions return the same
# JSON text; the patch makes the lookup spell it as the index does (docs/ferretdb.md, "Lookups").
set -euo pipefail
VERSION="${FERRETDB_VERSION:-v1.24.2}"
PATCH_LEVEL="id-index-1"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/.tools/bin/ferretdb"
if [ -x "$out" ] && "$out" --version 2>/dev/null | grep -q "version: $VERSION" \
  && [ "$(cat "$out.patch" 2>/dev/null)" = "$PATCH_LEVEL" ]; then
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
metadata="$work/src/internal/backends/sqlite/metadata/metadata.go"
grep -q "IDColumn = DefaultColumn + \"->'\$._id'\"" "$metadata" \
  || { echo "install-ferretdb: $VERSION does not have the _id lookup this script patches" >&2; exit 1; }
sed -i "s|IDColumn = DefaultColumn + \"->'\$._id'\"|IDColumn = DefaultColumn + \"->'_id'\"|" "$metadata"
mkdir -p "$(dirname "$out")"
echo "install-ferretdb: building FerretDB $VERSION into $out" >&2
(cd "$work/src" && go build -trimpath -o "$out.tmp" ./cmd/ferretdb)
mv "$out.tmp" "$out"
echo "$PATCH_LEVEL" > "$out.patch"
