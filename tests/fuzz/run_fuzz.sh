#!/usr/bin/env bash
# Runs one libFuzzer target for a while over its seeds and says how it went:
#   run_fuzz.sh BINARY SEED_DIR WORK_DIR SECONDS
# New inputs the fuzzer finds go to WORK_DIR/corpus (never into the committed seeds), a crash
# to WORK_DIR/crash-*; the last line is "NAME: N executions in S s (R/s), corpus C inputs".
# Exits non-zero when the target crashed, leaked or broke an invariant.
set -euo pipefail
binary=$1 seeds=$2 work=$3 seconds=$4
name=$(basename "$binary")
mkdir -p "$work/corpus"
log="$work/last-run.log"
status=0
# -rss_limit_mb: ASan's shadow memory counts too; -timeout: one input taking this long is a hang.
"$binary" "$work/corpus" "$seeds" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 \
  -print_final_stats=1 -artifact_prefix="$work/" >"$log" 2>&1 || status=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
elapsed=$(sed -n 's/^stat::.*//; s/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
corpus=$(find "$work/corpus" "$seeds" -type f | wc -l)
if ((status != 0)); then
  tail -n 60 "$log" >&2
  echo "$name: FAILED (exit $status) after ${runs:-?} executions; input kept as $(ls "$work"/crash-* \
    "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null | head -1)" >&2
  exit 1
fi
rate=$(( ${runs:-0} / (${elapsed:-$seconds} > 0 ? ${elapsed:-$seconds} : 1) ))
echo "$name: ${runs:-0} executions in ${elapsed:-$seconds} s (${rate}/s), corpus $corpus inputs"
