#!/usr/bin/env bash
# The portfolio scaling curve of README "Benchmarks" (issue #7): `bomvet scan DIR` over FILES
# generated SBOMs with 1, 2, 4, ... threads (audit only, then with the schema check), then the 100k single-file table with every core.
# Meant for a machine with many cores; on 2 cores use `make bench BENCH_ARGS="--portfolio 600"`.
#
#   scripts/scaling-curve.sh [FILES] [THREADS]        (defaults: 4000 and 1,2,4,8,12,16)
#
# BIN names a folder holding release builds of `bomvet` and `bomvet-bench` (built here when
# unset); DATA the folder for generated SBOMs (default target/bench-data); RUNS the runs per
# point (best kept, default 3).
set -euo pipefail
files=${1:-4000}
threads=${2:-1,2,4,8,12,16}
runs=${RUNS:-3}
data=${DATA:-target/bench-data}
bin=${BIN:-}
if [ -z "$bin" ]; then
  cargo build --release --locked -p bomvet -p bomvet-bench
  bin=target/release
fi

echo "## machine"
nproc
lscpu | grep -E '^(Model name|Socket|Core|Thread|CPU\(s\)|NUMA node\(s\))' || true
free -g | head -2 || true
echo

echo "## portfolio, audit only (--max-schema-check-size=0)"
"$bin/bomvet-bench" --bomvet "$bin/bomvet" --data "$data" --runs "$runs" \
  --portfolio "$files" --threads "$threads" --scan-arg --max-schema-check-size=0
echo

echo "## portfolio, default settings (each file is also checked against its schema)"
"$bin/bomvet-bench" --bomvet "$bin/bomvet" --data "$data" --runs "$runs" \
  --portfolio "$files" --threads "$threads"
echo

echo "## 100k, one file, every core"
"$bin/bomvet-bench" --bomvet "$bin/bomvet" --data "$data" --runs "$runs" \
  --sizes "${SIZES:-100000}" --formats "${FORMATS:-cdx-json,spdx-json}"
