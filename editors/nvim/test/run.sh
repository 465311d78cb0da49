#!/usr/bin/env bash
# Headless Neovim test of editors/nvim against the real server.
#
#   editors/nvim/test/run.sh            build ./cmd/threatls, run the full test
#   editors/nvim/test/run.sh --static   plugin/filetype/syntax/indent only, no
#                                       server (development aid; refused in CI)
#
# Builds the server into a temp dir, puts it first on PATH, and runs
# `nvim --headless -u editors/nvim/test/init.lua` with XDG dirs in the temp dir.
# The test writes its own model there. Exit status: 0 pass, 1 failure.
# Without nvim (or go) the test is skipped with status 0, except under CI=true,
# where that is a failure.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
plugin=$(dirname "$here")
repo=$(cd "$plugin/../.." && pwd)

static=0
for arg in "$@"; do
  case "$arg" in
    --static) static=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

in_ci=0
if [ "${CI:-}" = "true" ] || [ "${CI:-}" = "1" ]; then in_ci=1; fi

missing() {
  if [ "$in_ci" = 1 ]; then
    echo "FAIL editors/nvim test: $1 not found (CI=true)" >&2
    exit 1
  fi
  echo "SKIP editors/nvim test: $1 not found (set CI=true to make this a failure)" >&2
  exit 0
}

if [ "$static" = 1 ] && [ "$in_ci" = 1 ]; then
  echo "FAIL editors/nvim test: --static is not allowed under CI" >&2
  exit 1
fi

command -v nvim >/dev/null 2>&1 || missing nvim
echo "nvim: $(nvim --version | head -n 1)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/threatls-nvim.XXXXXX")
bin="$tmp/bin/threatls"

leftovers() {
  # Processes running the test's server binary. Neovim starts it as
  # `threatls serve` from PATH, so match the executable; interpreted or
  # wrapped servers name the path on their command line.
  {
    local p
    if [ -d /proc/self ]; then
      for p in /proc/[0-9]*; do
        if [ "$(readlink "$p/exe" 2>/dev/null)" = "$bin" ]; then
          echo "${p#/proc/}"
        fi
      done
    fi
    if command -v pgrep >/dev/null 2>&1; then
      pgrep -f -- "$bin" || true
    fi
  } | sort -u
}

cleanup() {
  local pids
  pids=$(leftovers)
  if [ -n "$pids" ]; then
    # shellcheck disable=SC2086
    kill $pids 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

if [ "$static" = 0 ]; then
  command -v go >/dev/null 2>&1 || missing go
  echo "building ./cmd/threatls"
  (cd "$repo" && go build -o "$bin" ./cmd/threatls)
  export PATH="$tmp/bin:$PATH"
  export THREATLS_BIN="$bin"
else
  export THREATLS_TEST_STATIC=1
fi

# Names from dsl/schema.go, so that syntax/threat.vim cannot drift from it.
schema="$repo/dsl/schema.go"
if [ -f "$schema" ]; then
  list="$tmp/schema-names.txt"
  {
    grep -oE '(Name: "|flag\(")[a-z_]+"' "$schema" | sed -E 's/.*"([a-z_]+)"$/attr \1/'
    grep -oE 'Kind[A-Za-z]* +Kind = "[a-z_]+"' "$schema" | sed -E 's/.*"([a-z_]+)"$/kind \1/'
    for pair in StrideCats:stride TrustLevels:level Classifications:level Levels:level \
                Criticality:level MitigationState:status; do
      var=${pair%%:*} kind=${pair##*:}
      grep -E "^\s*$var\s*=\s*\[\]string\{" "$schema" | grep -oE '"[a-z_]+"' | tr -d '"' | sed "s/^/$kind /"
    done
  } | sort -u > "$list"
  export THREATLS_SCHEMA_LIST="$list"
fi

export THREATLS_TEST_DIR="$tmp/work"
export THREATLS_TEST_RESULT="$tmp/result.txt"
export XDG_CONFIG_HOME="$tmp/xdg/config" XDG_DATA_HOME="$tmp/xdg/data"
export XDG_STATE_HOME="$tmp/xdg/state" XDG_CACHE_HOME="$tmp/xdg/cache"
export NVIM_LOG_FILE="$tmp/xdg/nvim.log"
mkdir -p "$THREATLS_TEST_DIR"

status=0
timeout 180 nvim --headless -n -i NONE -u "$here/init.lua" </dev/null || status=$?
if [ "$status" = 124 ]; then
  echo "FAIL editors/nvim test: timed out after 180 s" >&2
fi

if [ ! -s "$THREATLS_TEST_RESULT" ]; then
  echo "FAIL editors/nvim test: no result written (nvim exit status $status)" >&2
  [ "$status" = 0 ] && status=1
fi

if [ "$static" = 0 ]; then
  sleep 0.2
  left=$(leftovers)
  if [ -n "$left" ]; then
    echo "FAIL editors/nvim test: threatls process(es) left after nvim exited:" >&2
    ps -o pid=,args= -p "$(echo "$left" | paste -sd, -)" >&2 || true
    [ "$status" = 0 ] && status=1
  fi
fi

if [ "$status" != 0 ]; then
  lsplog=$(find "$tmp/xdg" -name lsp.log 2>/dev/null | head -n 1)
  if [ -n "$lsplog" ]; then
    echo "--- last lines of the Neovim LSP log ($lsplog) ---" >&2
    tail -n 40 "$lsplog" >&2
  fi
  echo "editors/nvim test FAILED" >&2
  exit 1
fi
echo "editors/nvim test passed"
