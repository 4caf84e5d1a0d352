#!/usr/bin/env bash
# Regenerates the man page and the shell completions from the command
# definitions (swift-argument-parser) into a temporary directory and compares
# them with the committed copies:
#   man/fulcrum.1                       swift package generate-manual
#   completions/fulcrum.bash            fulcrum --generate-completion-script bash
#   completions/_fulcrum                fulcrum --generate-completion-script zsh
#   completions/fulcrum.fish            fulcrum --generate-completion-script fish
#
#   scripts/check-man-page.sh            exit 0 when all match, 1 (with a diff) when one drifted
#   scripts/check-man-page.sh --update   rewrite the committed copies
#
# Exit 2 when they cannot be generated. Builds fulcrum in debug first (a no-op
# after `swift build --build-tests`).
set -euo pipefail
cd "$(dirname "$0")/.."

date=2026-11-23   # fixed, so the page does not change with the day it is made
mode=check
case "${1:-}" in
  "") ;;
  --update) mode=update ;;
  *) echo "usage: scripts/check-man-page.sh [--update]" >&2; exit 64 ;;
esac

fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
mkdir -p "$fresh/man" "$fresh/completions"

plugin_output=.build/plugins/GenerateManual/outputs/fulcrum
rm -rf "$plugin_output"
if ! swift package --allow-writing-to-package-directory generate-manual \
      --configuration debug --date "$date" > "$fresh/generate.log" 2>&1 \
   || [ ! -f "$plugin_output/fulcrum.1" ]; then
  cat "$fresh/generate.log" >&2
  echo "check-man-page: could not generate the man page (swift package generate-manual failed)" >&2
  exit 2
fi
cp "$plugin_output/fulcrum.1" "$fresh/man/fulcrum.1"

fulcrum="$(swift build --configuration debug --show-bin-path)/fulcrum"
for shell in bash zsh fish; do
  case $shell in bash) name=fulcrum.bash ;; zsh) name=_fulcrum ;; fish) name=fulcrum.fish ;; esac
  if ! "$fulcrum" --generate-completion-script "$shell" > "$fresh/completions/$name"; then
    echo "check-man-page: '$fulcrum --generate-completion-script $shell' failed" >&2
    exit 2
  fi
done

files=(man/fulcrum.1 completions/fulcrum.bash completions/_fulcrum completions/fulcrum.fish)
if [ "$mode" = update ]; then
  mkdir -p man completions
  for file in "${files[@]}"; do cp "$fresh/$file" "$file"; done
  echo "check-man-page: wrote ${files[*]}"
  exit 0
fi

status=0
for file in "${files[@]}"; do
  if [ ! -f "$file" ]; then
    echo "check-man-page: $file is missing" >&2
    status=1
  elif ! diff -u "$file" "$fresh/$file" > "$fresh/diff"; then
    echo "check-man-page: $file differs from what the command definitions generate:" >&2
    cat "$fresh/diff" >&2
    status=1
  fi
done
if [ $status -ne 0 ]; then
  echo "check-man-page: the man page or completions are out of date with Sources/FulcrumCLI;" \
       "run scripts/check-man-page.sh --update and commit the result" >&2
  exit 1
fi
echo "check-man-page: ${files[*]} match the command definitions"
