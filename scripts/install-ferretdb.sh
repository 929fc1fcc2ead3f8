#!/usr/bin/env bash
# Builds FerretDB (the MongoDB-wire server our tests and local runs use) into .tools/bin, once.
# `go install ...@v1.24.2` does not work: the module zip lacks build/version/version.txt, which the
# binary insists on when it is the main module. So: download the module, add the file, patch it
# (below), build it. docs/ferretdb.md says what each patch changes for the code.
#
# The patches (PATCH_LEVEL names them; a new level rebuilds):
#
# - id-index (a sed below): the SQLite backend looks documents up by `_ferretdb_sjson->'$._id'`,
#   but the unique index it creates on every collection is on `_ferretdb_sjson->"_id"`. SQLite
#   matches index expressions by their text, so every lookup, update and delete by `_id` scanned
#   the whole table (EXPLAIN QUERY PLAN: SCAN instead of SEARCH ... USING INDEX). Both expressions
#   return the same JSON text; the patch makes the lookup spell it as the index does.
#
# - id-pushdown (ferretdb/id-pushdown.patch, ferretdb/id_pushdown.go): the SQLite backend's Query
#   and Explain narrow the query to the `_id` index only for a filter that is exactly
#   `{_id: <string or ObjectId>}`. With the patch, any filter whose `_id` key holds a string or an
#   ObjectId (or `$in` of them, or an anchored prefix regex of letters, digits, `_` and `-`, as
#   one range of the index) is narrowed so, whatever other keys it has (`{_id, v}`,
#   `{_id, 'at.7': {$exists}}`, `{_id: /^6162_/}`).
#   A pre-filter only: every caller of Query (find, count, distinct, aggregate's first $match,
#   update, findAndModify, delete) filters what it reads again with the whole filter.
#
# - atomic-writes (ferretdb/atomic-writes.patch, ferretdb/statement_locks.go): update,
#   findAndModify and delete are a read, a change in Go and a write back by `_id`, so two clients
#   updating one document at once could both succeed on the same compare-and-set and `$inc`
#   could lose counts. The patch runs each such statement, from its query to its last write (an
#   upsert's insert included), under a lock of this process: its collection's lock shared plus a
#   mutex of its `_id` when the filter names one string or ObjectId `_id`, its collection's lock
#   exclusively otherwise. One lock set per statement, released before the next one, and the
#   entries are dropped when unused. The buildInfo reply announces the patches as
#   `ferretdbPatches` (libs/store `updatesAreAtomic` asks for "atomic-writes").
#
# - write-queue (ferretdb/write-queue.patch, ferretdb/write_queue.go): each database's data writes
#   (insert, update, delete) take a Go mutex of that database for their SQLite transaction. SQLite
#   admits one writer at a time and makes the others sleep in its busy handler (1, 2, 5, 10 ... ms)
#   and try again; under ten concurrent writers most of a write's time was those sleeps. Queued in
#   Go, the next writer starts the moment the one before commits.
#
# - fast-sjson (a sed and ferretdb/fast_unmarshal.go): the SQLite backend stores each document as
#   sjson text, and reading one back (sjson.Unmarshal) decoded every level into a map of raw
#   messages with encoding/json, then every value again from its own bytes: half of FerretDB's CPU
#   on a find of 1 KB documents. The original is renamed unmarshalOriginal, and Unmarshal reads
#   the exact layout Marshal writes in one pass, guided by the schema (kept by its text); anything
#   else, and any value whose text is not plain, goes to the original, so answers and errors are
#   the same. Its Go test (FERRETDB_TEST_PATCHES=1) compares the two on Marshal's output of
#   every type and 3,000 random documents, and runs the package's own tests and fuzz seeds.
#
# - reply-check (ferretdb/wire-reply-check.patch, on FerretDB's wire module): FerretDB turns on the
#   module's NaN check (a client's NaN is refused, as FerretDB does not store it), and the module
#   ran it on every message built as well as every one read: each reply was decoded in depth once
#   more only to look for NaN, a tenth of FerretDB's CPU on a find. Replies come from stored
#   documents, which cannot hold NaN (sjson refuses it); the patch checks messages read from
#   clients only. The build uses a patched copy of the module (a go.mod replace).
#
# - projection-copy (ferretdb/projection-copy.patch): a find with a projection deep-copied every
#   document it found before taking the projected fields from the copy; the document is read for
#   that find alone and dropped afterwards, so a shallow copy of its top level serves (an
#   exclusion still works on a deep copy).
#
# FERRETDB_TEST_PATCHES=1 also runs the patches' Go test (ferretdb/statement_locks_test.go).
set -euo pipefail
VERSION="${FERRETDB_VERSION:-v1.24.2}"
PATCH_LEVEL="id-index-1+id-pushdown-4+atomic-1+no-tracking-1+write-queue-1+fast-sjson-2+reply-check-1+projection-copy-1"
root="$(cd "$(dirname "$0")/.." && pwd)"
patches="$root/scripts/ferretdb"
out="$root/.tools/bin/ferretdb"
if [ -x "$out" ] && "$out" --version 2>/dev/null | grep -q "version: $VERSION" \
  && [ "$(cat "$out.patch" 2>/dev/null)" = "$PATCH_LEVEL" ] && [ "${FERRETDB_TEST_PATCHES:-}" != 1 ]; then
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

# id-index
metadata="$work/src/internal/backends/sqlite/metadata/metadata.go"
grep -q "IDColumn = DefaultColumn + \"->'\$._id'\"" "$metadata" \
  || { echo "install-ferretdb: $VERSION does not have the _id lookup this script patches" >&2; exit 1; }
sed -i "s|IDColumn = DefaultColumn + \"->'\$._id'\"|IDColumn = DefaultColumn + \"->'_id'\"|" "$metadata"

# The diffs: `patch` when the machine has it, else `git apply` (same diffs); in FerretDB's source
# unless a folder is given.
apply() {
  local dir="${2:-$work/src}"
  if command -v patch >/dev/null 2>&1; then
    patch -p1 --batch --forward --silent -d "$dir" < "$patches/$1"
  else
    git -C "$dir" apply -p1 "$patches/$1"
  fi || { echo "install-ferretdb: scripts/ferretdb/$1 does not apply to FerretDB $VERSION" >&2; exit 1; }
}

# no-tracking: resource.Track and Untrack (FerretDB's own leak detector: a pprof profile entry with
# its caller stacks and a finalizer for every iterator and connection) return at once unless the
# build is FerretDB's debug build. Profiling the seeded pushes page, they were 17% of FerretDB's
# CPU on every find.
resource="$work/src/internal/util/resource/resource.go"
grep -q '^func Track(obj any, token \*Token) {$' "$resource" && grep -q '^func Untrack(obj any, token \*Token) {$' "$resource" \
  || { echo "install-ferretdb: $VERSION does not have the resource tracking this script turns off" >&2; exit 1; }
sed -i -e 's/^func Track(obj any, token \*Token) {$/&\n\tif !debugbuild.Enabled {\n\t\treturn\n\t}/' \
  -e 's/^func Untrack(obj any, token \*Token) {$/&\n\tif !debugbuild.Enabled {\n\t\treturn\n\t}/' "$resource"

apply id-pushdown.patch
cp "$patches/id_pushdown.go" "$work/src/internal/backends/sqlite/id_pushdown.go"
apply atomic-writes.patch
cp "$patches/statement_locks.go" "$work/src/internal/handler/statement_locks.go"
apply write-queue.patch
cp "$patches/write_queue.go" "$work/src/internal/backends/sqlite/write_queue.go"
apply projection-copy.patch
# fast-sjson
sjson="$work/src/internal/handler/sjson"
grep -q '^func Unmarshal(data \[\]byte) (\*types.Document, error) {$' "$sjson/sjson.go" \
  || { echo "install-ferretdb: $VERSION does not have the sjson.Unmarshal this script wraps" >&2; exit 1; }
sed -i 's/^func Unmarshal(data \[\]byte) (\*types.Document, error) {$/func unmarshalOriginal(data []byte) (*types.Document, error) {/' "$sjson/sjson.go"
cp "$patches/fast_unmarshal.go" "$sjson/fast_unmarshal.go"
# reply-check: a copy of FerretDB's wire module, patched, builds in place of the downloaded one.
wire_version="$(sed -n 's|^[[:space:]]*github.com/FerretDB/wire \(v[^ ]*\)$|\1|p' "$work/src/go.mod")"
wire_dir="$(cd "$work/src" && go mod download -json "github.com/FerretDB/wire@$wire_version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[ -n "$wire_version" ] && [ -d "$wire_dir" ] || { echo "install-ferretdb: could not download FerretDB's wire module" >&2; exit 1; }
cp -r "$wire_dir" "$work/wire"
chmod -R u+w "$work/wire"
apply wire-reply-check.patch "$work/wire"
(cd "$work/src" && go mod edit -replace "github.com/FerretDB/wire=../wire")
if [ "${FERRETDB_TEST_PATCHES:-}" = 1 ]; then
  cp "$patches/statement_locks_test.go" "$work/src/internal/handler/statement_locks_test.go"
  mkdir -p "$work/src/.git" # the package's own tests find the source root by it (testutil)
  cp "$patches/fast_unmarshal_test.go" "$sjson/fast_unmarshal_test.go"
  (cd "$work/src" && go test -count=1 -run 'TestStatementLocks' ./internal/handler/ && go test -count=1 ./internal/handler/sjson/ ./internal/handler/common/)
fi

mkdir -p "$(dirname "$out")"
echo "install-ferretdb: building FerretDB $VERSION ($PATCH_LEVEL) into $out" >&2
(cd "$work/src" && go build -trimpath -o "$out.tmp" ./cmd/ferretdb)
mv "$out.tmp" "$out"
echo "$PATCH_LEVEL" > "$out.patch"
