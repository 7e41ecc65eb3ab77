#!/usr/bin/env bash
# Instructions executed by `bomvet scan` on generated SBOMs, counted by valgrind's callgrind: a
# measure of the work a change saves that does not move with the machine's load, where wall time
# on a shared 2-core VM moves by 10-40% from run to run (README "Benchmarks", issue #7).
#
#   scripts/instructions.sh [BOMVET...]      (default: target/release/bomvet, built here)
#
# For each binary, each encoding (FORMATS, default the three JSON ones; also cdx-xml and spdx-tv;
# COMPONENTS components, default 20000, generated once into DATA, default target/bench-data) and each thread count (THREADS, default "1 2"), prints the
# instruction count. One thread takes the sequential read, which is deterministic; two take the
# parallel one, where rayon's idle workers spin for a moment, so counts vary by about 1%.
# Not counted: time in the kernel (page faults) and the speed of each instruction; `rep movsb`
# and `rep stosb` (memcpy, memset of large buffers) count once per byte. Confirm a gain with
# `make bench`. Needs valgrind (`apt-get install valgrind`).
set -euo pipefail
components=${COMPONENTS:-20000}
threads=${THREADS:-1 2}
formats=${FORMATS:-cdx-json spdx-json spdx3-json}
data=${DATA:-target/bench-data}
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 2; }
if [ $# -eq 0 ]; then
  cargo build --release --locked -p bomvet -p bomvet-gen
  set -- target/release/bomvet
else
  cargo build --release --locked -p bomvet-gen
fi
mkdir -p "$data"
echo "| binary | encoding | components | threads | instructions |"
echo "|---|---|---:|---:|---:|"
for format in $formats; do
  case $format in
    cdx-xml) file="$data/instr-$components.cdx.xml" ;;
    spdx-tv) file="$data/instr-$components.spdx" ;;
    *) file="$data/instr-$components.$format.json" ;;
  esac
  [ -s "$file" ] || target/release/bomvet-gen --components "$components" --format "$format" -o "$file" >/dev/null 2>&1
  for bin in "$@"; do
    for t in $threads; do
      n=$(RAYON_NUM_THREADS=$t valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        "$bin" scan "$file" --format json -o /dev/null -q --fail-on never 2>&1 |
        sed -n 's/.*Collected : *//p')
      echo "| $bin | $format | $components | $t | $n |"
    done
  done
done
