#!/usr/bin/env bash
# Runs every fuzz target for FUZZ_SECONDS (default 60) each, seeded from fixtures/, and prints the
# executions per target. Needs cargo-fuzz (`cargo install cargo-fuzz`); the stable toolchain is
# allowed nightly flags with RUSTC_BOOTSTRAP=1, as cargo-fuzz needs them.
# Crashes are kept in fuzz/artifacts/<target>/; add each as a regression fixture and fix it.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${FUZZ_SECONDS:-60}"
export RUSTC_BOOTSTRAP=1
seed() { mkdir -p "corpus/$1"; shift; for f in "$@"; do cp -n "$f" "corpus/${FUZZ_TARGET}/" 2>/dev/null || true; done; }
json_seeds=$(find ../fixtures -type f -size -200k | sort)
toml_seeds=$(find ../examples ../crates/bomvet-policy/data -name '*.toml' | sort)
for t in ${FUZZ_TARGETS:-ingest_cyclonedx_json ingest_spdx_json ingest_cyclonedx_xml ingest_spdx_tag_value ingest_spdx3 ingest_any streamed parallel pipeline policy waivers validate}; do
  FUZZ_TARGET=$t
  case $t in
    policy|waivers) seed "$t" $toml_seeds ;;
    *) seed "$t" $json_seeds ;;
  esac
  echo "== $t (${secs}s)"
  cargo fuzz run "$t" --release -- -max_total_time="$secs" -rss_limit_mb=2048 -max_len=262144 2>&1 \
    | grep -E '^#[0-9]+ +DONE|Done [0-9]+ runs|SUMMARY|panicked|ERROR' | tail -3
done
