#!/usr/bin/env bash
# Builds one platform-specific .vsix per VS Code target, each with exactly one threatls binary
# (cross-compiled from ./cmd/threatls at the repository root, CGO_ENABLED=0) in
# bin/<target>/threatls[.exe], plus a copy of docs/rules.md.
#
# Usage: scripts/package.sh [-o OUT_DIR] [TARGET...]
#   TARGET: linux-x64 linux-arm64 darwin-x64 darwin-arm64 win32-x64 (default: all five)
#   OUT_DIR: where the .vsix files go (default: editors/vscode/dist-vsix)
#
# Needs: go, node, and `npm ci` done in editors/vscode. Works offline. The working tree is not
# modified: each target is packaged from a staging copy in a temporary folder.
set -euo pipefail

ext_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo_root="$(cd "$ext_dir/../.." && pwd)"
out_dir="$ext_dir/dist-vsix"
all_targets=(linux-x64 linux-arm64 darwin-x64 darwin-arm64 win32-x64)
targets=()

while [ $# -gt 0 ]; do
  case "$1" in
    -o|--out-dir) out_dir="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "package.sh: unknown flag $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

goos_goarch() {
  case "$1" in
    linux-x64) echo "linux amd64" ;;
    linux-arm64) echo "linux arm64" ;;
    darwin-x64) echo "darwin amd64" ;;
    darwin-arm64) echo "darwin arm64" ;;
    win32-x64) echo "windows amd64" ;;
    *) return 1 ;;
  esac
}

for t in "${targets[@]}"; do
  goos_goarch "$t" >/dev/null || { echo "package.sh: unsupported target $t (supported: ${all_targets[*]})" >&2; exit 2; }
done
command -v go >/dev/null || { echo "package.sh: go is not on PATH" >&2; exit 1; }
[ -x "$ext_dir/node_modules/.bin/vsce" ] || { echo "package.sh: run 'npm ci' in $ext_dir first" >&2; exit 1; }
[ -d "$repo_root/cmd/threatls" ] || { echo "package.sh: $repo_root/cmd/threatls not found" >&2; exit 1; }

mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd)"
version="$(node -p "require('$ext_dir/package.json').version")"
name="$(node -p "require('$ext_dir/package.json').name")"

work="$(mktemp -d "${TMPDIR:-/tmp}/threatls-vsix.XXXXXX")"
trap 'rm -rf "$work"' EXIT
stage="$work/extension"
mkdir -p "$stage"

# Staging copy: sources and manifests only; node_modules is linked for the prepublish bundle.
tar -C "$ext_dir" \
  --exclude=./node_modules --exclude=./dist --exclude=./out --exclude=./bin \
  --exclude=./dist-vsix --exclude='*.vsix' --exclude=./docs \
  -cf - . | tar -C "$stage" -xf -
ln -s "$ext_dir/node_modules" "$stage/node_modules"

# The rules reference bundled for `threatls: Open Rules Documentation`.
mkdir -p "$stage/docs"
if [ -f "$repo_root/docs/rules.md" ]; then
  cp "$repo_root/docs/rules.md" "$stage/docs/rules.md"
else
  echo "package.sh: docs/rules.md missing; generating it with 'threatls rules --format markdown'"
  (cd "$repo_root" && go run ./cmd/threatls rules --format markdown) > "$stage/docs/rules.md"
fi

for target in "${targets[@]}"; do
  read -r goos goarch < <(goos_goarch "$target")
  exe=threatls
  [ "$goos" = windows ] && exe=threatls.exe
  rm -rf "$stage/bin"
  mkdir -p "$stage/bin/$target"
  echo "==> $target: GOOS=$goos GOARCH=$goarch go build ./cmd/threatls"
  (cd "$repo_root" && CGO_ENABLED=0 GOOS="$goos" GOARCH="$goarch" \
    go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$stage/bin/$target/$exe" ./cmd/threatls)
  chmod 0755 "$stage/bin/$target/$exe"

  vsix="$out_dir/$name-$target-$version.vsix"
  echo "==> $target: vsce package --target $target"
  (cd "$stage" && ./node_modules/.bin/vsce package --no-dependencies --target "$target" -o "$vsix" </dev/null)

  # Exactly one server binary, the one for this target.
  files="$(node "$ext_dir/scripts/vsix-ls.mjs" "$vsix")"
  bins="$(grep '^extension/bin/' <<<"$files" | grep -v '/$' || true)"
  if [ "$bins" != "extension/bin/$target/$exe" ]; then
    echo "package.sh: $vsix must hold exactly extension/bin/$target/$exe; it holds:" >&2
    echo "${bins:-<nothing>}" >&2
    exit 1
  fi
  for f in extension/package.json extension/dist/extension.js extension/syntaxes/threat.tmLanguage.json \
           extension/language-configuration.json extension/snippets/threat.json extension/docs/rules.md; do
    grep -qx "$f" <<<"$files" || { echo "package.sh: $vsix lacks $f" >&2; exit 1; }
  done
  echo "==> $vsix ($(du -h "$vsix" | cut -f1))"
done
