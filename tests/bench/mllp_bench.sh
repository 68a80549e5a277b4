#!/usr/bin/env bash
# MLLP throughput and ACK latency: medgw (durable) vs @medplum/hl7 and simple-hl7 (keep nothing).
#
# Usage: tests/bench/mllp_bench.sh [--seconds S] [--warmup W] [--medgw BIN] [--connections "1 8 32"]
#                                  [--queue-dir DIR]
#
#   --seconds S       measured seconds per run (default 5), after W seconds of warm-up (default 1)
#   --medgw BIN       medgw binary (default: $MEDGW, else build/release/gateway/medgw); it is both
#                     the gateway under test and the load generator (`medgw load`)
#   --connections L   connection counts to run (default "1 8 32")
#   --queue-dir DIR   where the gateway's RocksDB queue goes (default: a fresh directory under
#                     /var/tmp; refused on tmpfs, where fsync costs nothing)
#
# For each C: `medgw serve` (queue fsync'd on every group commit, ACK after the commit) pinned to
# CPU 0, then `medgw load -c C` pinned to CPU 1 against it; then the same load against an
# @medplum/hl7 Hl7Server and a simple-hl7 server replying AA (tests/bench/peer_mllp_server.js),
# each pinned to CPU 0. The load keeps one message outstanding per connection, gives each message
# a unique MSH-10 and checks every ACK (MSA-1 AA/CA, MSA-2 = MSH-10). For medgw, fsyncs and
# messages per fsync come from the gateway's final `gateway.stopped` log line; fsyncs/s is
# fsyncs / (warm-up + measured seconds).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

usage() {
  sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}

seconds=5
warmup=1
medgw="${MEDGW:-}"
conns="1 8 32"
queue_parent=""
while (($#)); do
  case "$1" in
    --seconds) seconds="${2:?--seconds needs a value}"; shift 2 ;;
    --seconds=*) seconds="${1#*=}"; shift ;;
    --warmup) warmup="${2:?--warmup needs a value}"; shift 2 ;;
    --warmup=*) warmup="${1#*=}"; shift ;;
    --medgw) medgw="${2:?--medgw needs a value}"; shift 2 ;;
    --medgw=*) medgw="${1#*=}"; shift ;;
    --connections) conns="${2:?--connections needs a value}"; shift 2 ;;
    --connections=*) conns="${1#*=}"; shift ;;
    --queue-dir) queue_parent="${2:?--queue-dir needs a value}"; shift 2 ;;
    --queue-dir=*) queue_parent="${1#*=}"; shift ;;
    -h|--help) usage 0 ;;
    *) echo "mllp_bench: unknown argument: $1" >&2; usage 2 >&2 ;;
  esac
done
number() { [[ "$1" =~ ^[0-9]+([.][0-9]+)?$ ]]; }
if ! number "$seconds" || awk -v s="$seconds" 'BEGIN { exit !(s <= 0) }'; then
  echo "mllp_bench: --seconds must be a positive number" >&2; exit 2
fi
number "$warmup" || { echo "mllp_bench: --warmup must be a number" >&2; exit 2; }
for c in $conns; do
  [[ "$c" =~ ^[1-9][0-9]*$ ]] || { echo "mllp_bench: bad connection count: $c" >&2; exit 2; }
done

[[ -n "$medgw" ]] || medgw="$repo/build/release/gateway/medgw"
if [[ ! -x "$medgw" ]]; then
  echo "mllp_bench: medgw binary not found or not executable: $medgw (build the release preset or pass --medgw)" >&2
  exit 2
fi
medgw="$(cd "$(dirname "$medgw")" && pwd)/$(basename "$medgw")"
command -v node >/dev/null || { echo "mllp_bench: node is needed for the peers" >&2; exit 2; }

# --- npm peers ----------------------------------------------------------------------------------
if [[ ! -d "$here/node_modules/@medplum/core" || ! -d "$here/node_modules/@medplum/hl7" \
      || ! -d "$here/node_modules/simple-hl7" ]]; then
  echo "mllp_bench: installing npm peers (npm ci) in tests/bench"
  (cd "$here" && npm ci --silent --no-audit --no-fund)
fi

# --- CPU pinning --------------------------------------------------------------------------------
pin_server=() pin_load=()
if command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null && taskset -c 1 true 2>/dev/null; then
  pin_server=(taskset -c 0) pin_load=(taskset -c 1)
  echo "pinning: server on CPU 0, load generator on CPU 1 (taskset)"
else
  echo "pinning: taskset unavailable or CPUs 0/1 not usable; running unpinned"
fi

# --- the queue's disk ---------------------------------------------------------------------------
tmp="$(mktemp -d "${TMPDIR:-/tmp}/mllp_bench.XXXXXX")"
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
  [[ -n "${qroot:-}" ]] && rm -rf "$qroot"
}
trap cleanup EXIT

[[ -n "$queue_parent" ]] || queue_parent=/var/tmp
mkdir -p "$queue_parent"
qroot="$(mktemp -d "$queue_parent/medgw_mllp_bench.XXXXXX")"
fstype="$(stat -f -c %T "$qroot")"
if [[ "$fstype" == tmpfs || "$fstype" == ramfs ]]; then
  echo "mllp_bench: $queue_parent is on $fstype, where fsync is free; pass --queue-dir on a real disk" >&2
  exit 2
fi
echo "queue: $qroot ($fstype, $(df -P "$qroot" | awk 'NR == 2 { print $1 }')); fsync on every group commit"
echo "timing: ${warmup}s warm-up + ${seconds}s measured per run"
echo

# --- helpers ------------------------------------------------------------------------------------
wait_for() {  # wait_for FILE REGEX PID: until FILE has a line matching REGEX (30 s at most)
  local i
  for ((i = 0; i < 300; i++)); do
    grep -qE "$2" "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

stop() {  # stop PID: SIGTERM, then wait for it
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  local keep=() p
  for p in "${pids[@]}"; do [[ "$p" != "$1" ]] && keep+=("$p"); done
  pids=("${keep[@]}")
}

field() { sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }
json_num() { sed -n "s/.*\"$1\":\\([0-9.]*\\).*/\\1/p" <<<"$2" | head -n 1; }

rows=()   # "target C msgs/s p50 p99 errors fsyncs/s msgs/fsync"
failed=0

load() {  # load LABEL PORT C: runs medgw load, prints the RESULT line, sets $result
  result=""
  local out
  if ! out="$("${pin_load[@]}" "$medgw" load --to "127.0.0.1:$2" -c "$3" --seconds "$seconds" --warmup "$warmup" \
                --label "$1" 2>"$tmp/load.err")"; then
    failed=1
  fi
  result="$(grep -m1 '^RESULT ' <<<"$out" || true)"
  if [[ -z "$result" ]]; then
    echo "FAILED (no RESULT line)"; sed 's/^/    /' "$tmp/load.err" >&2; failed=1; return 0
  fi
  echo "$result"
  [[ -s "$tmp/load.err" ]] && sed 's/^/    /' "$tmp/load.err" | head -n 20 >&2
  return 0
}

add_row() {  # add_row TARGET C RESULT FSYNCS_PER_S MSGS_PER_FSYNC
  rows+=("$1 $2 $(field msgs_per_s "$3") $(field p50_ms "$3") $(field p99_ms "$3") $(field errors "$3") $4 $5")
}

run_medgw() {  # run_medgw C
  local c="$1" dir="$qroot/c$1" log="$tmp/medgw-c$1.log" pid port
  mkdir -p "$dir"
  # log level info: the only info lines are per connection and at start/stop (mllp.listening,
  # gateway.stopped are read below); per-message events are debug. The pipeline is off (this
  # measures durable ingest; make bench-e2e measures delivery), so nothing drains the queue and the
  # watermarks are set out of reach.
  cat >"$dir/medgw.yaml" <<EOF
log:
  level: info
stats_interval_s: 86400
io_threads: 1
queue:
  path: $dir/queue
  high_watermark: 1000000000000
  low_watermark: 900000000000
pipeline:
  enabled: false   # ingest only: delivery would take the same core from the listener
listeners:
  - name: bench
    bind: 127.0.0.1
    port: 0
EOF
  printf '  %-12s C=%-4s ... ' medgw "$c"
  "${pin_server[@]}" "$medgw" serve --config "$dir/medgw.yaml" 2>"$log" &
  pid=$!; pids+=("$pid")
  if ! wait_for "$log" '"event":"mllp.listening"' "$pid"; then
    echo "FAILED (gateway did not start)"; sed 's/^/    /' "$log" >&2; failed=1; stop "$pid"; return 0
  fi
  port="$(sed -n 's/.*"event":"mllp.listening".*"port":\([0-9]*\).*/\1/p' "$log" | head -n 1)"
  load medgw "$port" "$c"
  stop "$pid"
  local stopped fsyncs mpf fps="-"
  stopped="$(grep '"event":"gateway.stopped"' "$log" | tail -n 1 || true)"
  fsyncs="$(json_num fsyncs "$stopped")"
  mpf="$(json_num messages_per_fsync "$stopped")"
  if [[ -z "$stopped" || -z "$fsyncs" ]]; then
    echo "    (no gateway.stopped line in the gateway's log)" >&2; failed=1; fsyncs=""; mpf="-"
  else
    fps="$(awk -v f="$fsyncs" -v s="$(field seconds "$result")" -v w="$warmup" 'BEGIN { printf "%.0f", f / (s + w) }')"
  fi
  [[ -n "$result" ]] && add_row medgw "$c" "$result" "$fps" "${mpf:--}"
  grep -E '"level":"(warn|error)"' "$log" | head -n 5 | sed 's/^/    gateway: /' >&2 || true
  rm -rf "$dir"  # keep the disk from filling up over many runs
}

run_peer() {  # run_peer PEER LABEL C
  local out="$tmp/peer-$1-$3.out" pid port
  printf '  %-12s C=%-4s ... ' "$2" "$3"
  "${pin_server[@]}" node "$here/peer_mllp_server.js" --peer "$1" --port 0 >"$out" 2>&1 &
  pid=$!; pids+=("$pid")
  if ! wait_for "$out" '^LISTENING [0-9]+' "$pid"; then
    echo "FAILED (peer did not start)"; sed 's/^/    /' "$out" >&2; failed=1; stop "$pid"; return 0
  fi
  port="$(awk '/^LISTENING/ { print $2; exit }' "$out")"
  load "$2" "$port" "$3"
  stop "$pid"
  [[ -n "$result" ]] && add_row "$2" "$3" "$result" - -
  grep -v '^LISTENING' "$out" | head -n 5 | sed 's/^/    peer: /' >&2 || true
}

# --- run ----------------------------------------------------------------------------------------
echo "running:"
for c in $conns; do
  run_medgw "$c"
  run_peer medplum medplum-hl7 "$c"
  run_peer simple simple-hl7 "$c"
done
echo

# --- report -------------------------------------------------------------------------------------
printf '%-12s %5s %12s %9s %9s %7s %10s %10s\n' target C msgs/s p50_ms p99_ms errors fsyncs/s msgs/fsync
printf '%-12s %5s %12s %9s %9s %7s %10s %10s\n' ------------ ----- ------------ --------- --------- ------- ---------- ----------
for r in "${rows[@]}"; do
  read -r t c rate p50 p99 err fps mpf <<<"$r"
  printf '%-12s %5s %12.1f %9.3f %9.3f %7s %10s %10s\n' "$t" "$c" "$rate" "$p50" "$p99" "$err" "$fps" "$mpf"
  [[ "$err" == 0 ]] || failed=1
done
echo

# Goal from the issue: at 32 connections medgw, durable, >= 50,000 msgs/s, >= 3x the fastest
# peer (that keeps nothing), p99 < 5 ms.
m_rate="" m_p99="" best="" best_name=""
for r in "${rows[@]}"; do
  read -r t c rate p50 p99 err fps mpf <<<"$r"
  [[ "$c" == 32 ]] || continue
  if [[ "$t" == medgw ]]; then
    m_rate="$rate" m_p99="$p99"
  elif [[ -z "$best" ]] || awk -v a="$rate" -v b="$best" 'BEGIN { exit !(a > b) }'; then
    best="$rate" best_name="$t"
  fi
done
verdict() { awk -v ok="$1" 'BEGIN { print ok ? "MET" : "NOT MET" }'; }
echo "goals (from the issue, at C=32):"
if [[ -n "$m_rate" ]]; then
  printf '  %-44s %12.1f  %s\n' "medgw durable >= 50,000 msgs/s" "$m_rate" \
    "$(verdict "$(awk -v r="$m_rate" 'BEGIN { print (r >= 50000) }')")"
  if [[ -n "$best" ]]; then
    printf '  %-44s %11.1fx  %s\n' ">= 3x the fastest peer ($best_name)" "$(awk -v m="$m_rate" -v b="$best" 'BEGIN { print (b > 0) ? m / b : 0 }')" \
      "$(verdict "$(awk -v m="$m_rate" -v b="$best" 'BEGIN { print (b > 0 && m >= 3 * b) }')")"
  else
    printf '  %-44s %12s  %s\n' ">= 3x the fastest peer" - "not measured"
  fi
  printf '  %-44s %9.3f ms  %s\n' "p99 ACK latency < 5 ms" "$m_p99" \
    "$(verdict "$(awk -v p="$m_p99" 'BEGIN { print (p < 5) }')")"
else
  echo "  not measured (C=32 was not run, or medgw failed)"
fi

exit "$failed"
