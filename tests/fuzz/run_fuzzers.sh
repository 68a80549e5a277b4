#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each, seeded with the project's own test messages.
# Usage: tests/fuzz/run_fuzzers.sh BUILD_DIR SECONDS
set -euo pipefail
build=${1:?build dir}
seconds=${2:-30}
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for target in fuzz_hl7v2_parser fuzz_hl7v2_escape fuzz_fhir_xml; do
  corpus="$work/$target"
  mkdir -p "$corpus"
  if [[ "$target" == fuzz_fhir_* ]]; then
    cp "$root"/tests/data/fhir/* "$corpus"/
  else
    cp "$root"/tests/data/hl7v2/*.hl7 "$root"/deploy/samples/*.hl7 "$corpus"/
  fi
  echo "fuzz: $target for ${seconds}s"
  mkdir -p "$build/fuzz-artifacts"
  "$build/tests/fuzz/$target" -artifact_prefix="$build/fuzz-artifacts/" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 "$corpus" 2>"$work/$target.log" || {
    tail -n 60 "$work/$target.log"
    echo "fuzz: $target FAILED"
    exit 1
  }
  grep -E "stat::number_of_executed_units|Done" "$work/$target.log" | sed "s/^/fuzz: $target: /"
done
echo "fuzz: all targets passed"
