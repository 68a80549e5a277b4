#!/usr/bin/env bash
# User-space instructions per message of durable MLLP ingest, counted by valgrind's callgrind
# (repeatable whatever else the machine does, unlike a timing): `medgw serve` (queue on tmpfs, the
# pipeline off) under callgrind, `medgw load -c 32` sends N messages after a warm-up of 2,000;
# the counters are reset after the warm-up, so the figure covers the N messages and the shutdown.
#
# Usage: tests/bench/ingest_instructions.sh [--messages N] [--medgw BIN]
# Prints: RESULT name=ingest-instructions messages=N instructions=I per_message=P
#         and the 25 most expensive functions (inclusive) for a look.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
messages=20000
medgw="$repo/build/release/gateway/medgw"
while (($#)); do
  case "$1" in
    --messages) messages="${2:?}"; shift 2 ;;
    --medgw) medgw="${2:?}"; shift 2 ;;
    *) echo "ingest_instructions: unknown argument: $1" >&2; exit 2 ;;
  esac
done
command -v valgrind >/dev/null || { echo "ingest_instructions: valgrind is needed" >&2; exit 2; }
[[ -x "$medgw" ]] || { echo "ingest_instructions: medgw not found: $medgw" >&2; exit 2; }
base=/dev/shm; [[ -d "$base" && -w "$base" ]] || base="${TMPDIR:-/tmp}"
work="$(mktemp -d "$base/medgw_ingest_instr.XXXXXX")"
pid=""
cleanup() { [[ -n "$pid" ]] && kill -KILL "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
cat >"$work/medgw.yaml" <<YAML
log:
  level: info
stats_interval_s: 86400
io_threads: 1
queue:
  path: $work/queue
  high_watermark: 1000000000000
  low_watermark: 900000000000
pipeline:
  enabled: false
listeners:
  - name: bench
    bind: 127.0.0.1
    port: 0
YAML
valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$medgw" serve --config "$work/medgw.yaml" \
  2>"$work/serve.log" &
pid=$!
port=""
for ((i = 0; i < 600; i++)); do
  port="$(sed -n 's/.*"event":"mllp.listening".*"port":\([0-9]*\).*/\1/p' "$work/serve.log" | head -n 1)"
  [[ -n "$port" ]] && break
  sleep 0.1
done
[[ -n "$port" ]] || { echo "ingest_instructions: the gateway did not listen" >&2; exit 1; }
"$medgw" load --to "127.0.0.1:$port" -c 32 -n 2000 --timeout-ms 120000 >/dev/null
callgrind_control --zero "$pid" >/dev/null 2>&1
"$medgw" load --to "127.0.0.1:$port" -c 32 -n "$messages" --timeout-ms 120000 | grep '^RESULT' || true
kill -INT "$pid"
wait "$pid" || true
pid=""
ir="$(callgrind_annotate "$work/cg.out" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')"
[[ -n "$ir" ]] || { echo "ingest_instructions: no callgrind totals" >&2; exit 1; }
echo "RESULT name=ingest-instructions messages=$messages instructions=$ir per_message=$((ir / messages))"
callgrind_annotate --inclusive=yes "$work/cg.out" 2>/dev/null | sed -n '/file:function/,$p' | sed -n '2,26p' | cut -c1-160
