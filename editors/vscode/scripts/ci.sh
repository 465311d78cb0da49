#!/usr/bin/env bash
# What CI runs for the VS Code extension (after `npm ci`): type-check, bundle, grammar tests,
# unit tests, the client test against the real threatls binary, and a linux-x64 .vsix packaged
# into a temporary folder.
#
# Usage: scripts/ci.sh     (or: npm run ci)
# THREATLS_BIN may name an already built server; otherwise one is built here and shared by
# the client test.
set -euo pipefail

ext_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo_root="$(cd "$ext_dir/../.." && pwd)"
cd "$ext_dir"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/threatls-vscode-ci.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

echo "== tsc --noEmit"
npm run --silent check
echo "== esbuild bundle"
npm run --silent bundle
echo "== grammar tests"
npm run --silent test:grammar
echo "== unit tests"
npm run --silent test:unit

if [ -z "${THREATLS_BIN:-}" ]; then
  echo "== go build ./cmd/threatls"
  (cd "$repo_root" && CGO_ENABLED=0 go build -o "$tmp/threatls" ./cmd/threatls)
  export THREATLS_BIN="$tmp/threatls"
fi
echo "== client test (THREATLS_BIN=$THREATLS_BIN)"
npm run --silent test:client

echo "== package linux-x64"
bash scripts/package.sh -o "$tmp/vsix" linux-x64
ls -l "$tmp/vsix"
echo "== editors/vscode: all checks passed"
