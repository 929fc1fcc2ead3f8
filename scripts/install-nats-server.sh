#!/usr/bin/env bash
# Builds nats-server (the NATS server our tests and local runs use) into .tools/bin, once.
# Debian ships 2.9, which cannot be told to fsync (`sync_interval`) and lacks consumers with
# several filter subjects; the testkit prefers this build and keeps Debian's as a fallback.
set -euo pipefail
VERSION="${NATS_SERVER_VERSION:-v2.15.2}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/.tools/bin/nats-server"
# `nats-server --version` prints `nats-server: v2.15.2`.
if [ -x "$out" ] && [ "$("$out" --version 2>/dev/null)" = "nats-server: $VERSION" ]; then
  exit 0
fi
command -v go >/dev/null 2>&1 || PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null 2>&1 || { echo "install-nats-server: Go is needed to build nats-server $VERSION (install Go, or put nats-server on PATH)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$(dirname "$out")"
echo "install-nats-server: building nats-server $VERSION into $out" >&2
# GOBIN points at a temporary folder so a failed build never leaves half a binary in .tools/bin.
# GOTOOLCHAIN=local: build with the Go that is here rather than fetching another one.
GOBIN="$work" GOTOOLCHAIN=local CGO_ENABLED=0 go install -trimpath "github.com/nats-io/nats-server/v2@$VERSION"
mv "$work/nats-server" "$out"
"$out" --version >&2
