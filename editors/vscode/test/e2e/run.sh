#!/usr/bin/env bash
# Opt-in end-to-end test in a real VS Code: the linux-x64 .vsix (built by scripts/package.sh)
# installed into code-server (VS Code 1.100 from the npm registry), driven by Debian's Chromium
# through playwright-core. Not part of `npm run ci`: it needs about 300 MB of npm content, native
# module builds (apt: libkrb5-dev, build tools) and apt's chromium; about 3-5 minutes the first
# time, then ~1 minute (everything is cached in E2E_CACHE).
#
# Usage: test/e2e/run.sh            (from editors/vscode, after `npm ci`)
# E2E_CACHE: where code-server and playwright-core are kept (default ~/.cache/threatls-vscode-e2e)
# E2E_SHOTS: if set, screenshots are written there.
set -euo pipefail

ext_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="${E2E_CACHE:-$HOME/.cache/threatls-vscode-e2e}"
code_server_version=4.100.3   # the last line whose engines.node accepts Node 20
playwright_version=1.65.1
mkdir -p "$cache"

if ! command -v chromium >/dev/null || ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  echo "== apt-get install chromium libkrb5-dev"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium libkrb5-dev build-essential python3 >/dev/null
fi

cs="$cache/code-server-$code_server_version"
if [ ! -f "$cs/.ready" ]; then
  echo "== code-server $code_server_version"
  rm -rf "$cs" && mkdir -p "$cs"
  (cd "$cs" && npm pack "code-server@$code_server_version" --silent >/dev/null && tar xzf "code-server-$code_server_version.tgz")
  # Its postinstall refuses root and downloads ripgrep from GitHub, so do its work by hand.
  (cd "$cs/package" && npm install --omit=dev --ignore-scripts --no-audit --no-fund --silent \
    && npm_config_yes=true npm rebuild argon2 --silent)
  (cd "$cs/package/lib/vscode" && npm install --omit=dev --ignore-scripts --no-audit --no-fund --silent)
  # node-pty's post-install fails on a step after its build (compile_commands.json); the build is what counts.
  (cd "$cs/package/lib/vscode" && npm_config_yes=true npm rebuild @vscode/spdlog kerberos native-watchdog node-pty @vscode/deviceid --silent) || true
  for f in @vscode/spdlog/build/Release/spdlog.node kerberos/build/Release/kerberos.node \
           native-watchdog/build/Release/watchdog.node node-pty/build/Release/pty.node; do
    [ -f "$cs/package/lib/vscode/node_modules/$f" ] || { echo "e2e: native module $f did not build" >&2; exit 1; }
  done
  (cd "$cs/package/lib/vscode" && ln -sfn node_modules node_modules.asar \
    && ln -sf code-linux.sh bin/remote-cli/code-server && ln -sf browser-linux.sh bin/helpers/browser.sh)
  touch "$cs/.ready"
fi

pw="$cache/playwright-core-$playwright_version"
if [ ! -f "$pw/node_modules/playwright-core/package.json" ]; then
  echo "== playwright-core $playwright_version"
  mkdir -p "$pw" && (cd "$pw" && npm init -y >/dev/null && npm install "playwright-core@$playwright_version" --no-audit --no-fund --silent)
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/threatls-e2e.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "== package linux-x64"
bash "$ext_dir/scripts/package.sh" -o "$work/vsix" linux-x64 >/dev/null

echo "== e2e"
E2E_CODE_SERVER="$cs/package" \
E2E_PLAYWRIGHT="$pw/node_modules/playwright-core" \
E2E_VSIX="$(ls "$work"/vsix/*.vsix)" \
E2E_CHROMIUM="$(command -v chromium)" \
E2E_WORK="$work/run" \
  node --test "$ext_dir/test/e2e/e2e.mjs"
