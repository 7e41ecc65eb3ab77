#!/usr/bin/env bash
# Audits every file under a corpus folder (default ../shared/corpus) with the release binary and
# tabulates the exit codes; lists every file that could not be read, with bomvet's message.
# Usage: scripts/corpus.sh [DIR]
set -uo pipefail
dir="${1:-../shared/corpus}"
bin="$(dirname "$0")/../target/release/bomvet"
[ -x "$bin" ] || { echo "build first: cargo build --release -p bomvet" >&2; exit 2; }
declare -A count=()
failures=""
while IFS= read -r -d '' f; do
  case "$f" in */README.md|*/SHA256SUMS|*.md|*.txt|*.csv) continue ;; esac
  err="$("$bin" scan -q --format json "$f" 2>&1 >/dev/null)"; code=$?
  count[$code]=$(( ${count[$code]:-0} + 1 ))
  if [ "$code" -eq 2 ]; then failures+="$f: ${err%%$'\n'*}"$'\n'; fi
done < <(find "$dir" -type f -print0 | sort -z)
echo "exit 0 (audited, pass): ${count[0]:-0}"
echo "exit 1 (audited, gating findings): ${count[1]:-0}"
echo "exit 2 (could not be read): ${count[2]:-0}"
[ -n "$failures" ] && printf '\nnot read:\n%s' "$failures"
exit 0
