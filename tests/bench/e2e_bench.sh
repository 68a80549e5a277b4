#!/usr/bin/env bash
# End to end: ORU^R01 with 10 OBX from MLLP to committed CRM rows, patient index included.
#
# Usage: tests/bench/e2e_bench.sh [--messages N] [--connections C] [--patients P] [--medgw BIN]
#                                 [--work-dir DIR] [--site FILE]
#
#   --messages N      ORUs to send (default 30000)
#   --connections C   MLLP connections of the load generator, one message outstanding each (32)
#   --patients P      distinct patients the reports spread over (default 5000)
#   --medgw BIN       medgw binary (default: $MEDGW, else build/release/gateway/medgw); it is both
#                     the gateway and the load generator (`medgw load`)
#   --work-dir DIR    where the queue and the SQLite CRM store go (default: a fresh directory under
#                     /var/tmp; refused on tmpfs, where fsync costs nothing)
#   --site FILE       site profile (default deploy/sites/cn-hospital.yaml: local lab codes mapped
#                     to LOINC, units to UCUM)
#
# `medgw serve` runs the whole path: MLLP listener, RocksDB queue (fsync per group commit, ACK after
# it), pipeline workers (decode, map, site profile), the MPI and the SQLite store (one synchronous
# transaction per batch), acks in the queue. `medgw load` sends N distinct ORUs (tests/bench/
# oru_10obx.hl7: {ID} is the report number, {PATIENT} one of P patient numbers) as fast as the
# gateway acknowledges them. The clock runs from the first message sent until every message is
# committed in the CRM store (rows in applied_envelopes, polled with sqlite3), so the figure is
# sustained end-to-end throughput with ingest and delivery competing for the same 2 cores.
# Prints the load generator's RESULT line (ingest: msgs/s, ACK latency) and:
#   RESULT name=e2e messages=N seconds=T msgs_per_s=X rows=R rows_per_s=Y
# where rows are all rows the store gained (patients, links, identifiers, reports, observations,
# outbox events, ...).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

usage() {
  sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}

messages=30000
conns=32
patients=5000
medgw="${MEDGW:-}"
work_parent=""
site="$repo/deploy/sites/cn-hospital.yaml"
while (($#)); do
  case "$1" in
    --messages) messages="${2:?}"; shift 2 ;;
    --connections) conns="${2:?}"; shift 2 ;;
    --patients) patients="${2:?}"; shift 2 ;;
    --medgw) medgw="${2:?}"; shift 2 ;;
    --work-dir) work_parent="${2:?}"; shift 2 ;;
    --site) site="${2:?}"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "e2e_bench: unknown argument: $1" >&2; usage 2 >&2 ;;
  esac
done
for n in "$messages" "$conns" "$patients"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "e2e_bench: not a positive number: $n" >&2; exit 2; }
done
[[ -n "$medgw" ]] || medgw="$repo/build/release/gateway/medgw"
[[ -x "$medgw" ]] || { echo "e2e_bench: medgw not found: $medgw (make release, or --medgw)" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "e2e_bench: sqlite3 is needed (apt-get install sqlite3)" >&2; exit 2; }
[[ -f "$site" ]] || { echo "e2e_bench: site file not found: $site" >&2; exit 2; }

[[ -n "$work_parent" ]] || work_parent=/var/tmp
mkdir -p "$work_parent"
work="$(mktemp -d "$work_parent/medgw_e2e_bench.XXXXXX")"
fstype="$(stat -f -c %T "$work")"
if [[ "$fstype" == tmpfs || "$fstype" == ramfs ]]; then
  echo "e2e_bench: $work_parent is on $fstype, where fsync is free; pass --work-dir on a real disk" >&2
  rm -rf "$work"
  exit 2
fi
gw_pid=""
cleanup() {
  [[ -n "$gw_pid" ]] && { kill -TERM "$gw_pid" 2>/dev/null || true; wait "$gw_pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT

crm="$work/crm.sqlite"
cat >"$work/medgw.yaml" <<YAML
log:
  level: info
stats_interval_s: 3600
queue:
  path: $work/queue
site: $site
crm_store:
  path: $crm
pipeline:
  workers: 2
  batch_max: 512
listeners:
  - name: lis
    port: 0
    bind: 127.0.0.1
YAML

echo "work dir: $work ($fstype, $(df -P "$work" | awk 'NR == 2 { print $1 }')); queue and CRM store fsync'd"
echo "load: $messages ORU^R01 x 10 OBX over $patients patients, $conns connections; $(nproc) cores, unpinned"
: >"$work/serve.log"
"$medgw" serve --config "$work/medgw.yaml" >>"$work/serve.log" 2>&1 &
gw_pid=$!
port=""
for ((i = 0; i < 300; i++)); do
  port="$(sed -n 's/.*"event":"mllp.listening".*"port":\([0-9]*\).*/\1/p' "$work/serve.log" | head -n 1)"
  [[ -n "$port" ]] && break
  kill -0 "$gw_pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$port" ]] || { echo "e2e_bench: the gateway did not listen" >&2; exit 1; }

count_rows() {  # all rows of all tables of the store
  local tables t sum=0 n
  tables="$(sqlite3 "$crm" "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")"
  for t in $tables; do
    n="$(sqlite3 "$crm" "SELECT COUNT(*) FROM \"$t\"")"
    sum=$((sum + n))
  done
  echo "$sum"
}
rows_before="$(count_rows)"

start_ns="$(date +%s%N)"
"$medgw" load --to "127.0.0.1:$port" -c "$conns" -n "$messages" --patients "$patients" \
  --message "$here/oru_10obx.hl7" --label ingest --timeout-ms 60000
applied=0
for ((i = 0; i < 36000; i++)); do
  applied="$(sqlite3 "$crm" "PRAGMA busy_timeout=5000; SELECT COUNT(*) FROM applied_envelopes" | tail -n 1)"
  ((applied >= messages)) && break
  kill -0 "$gw_pid" 2>/dev/null || { echo "e2e_bench: the gateway died" >&2; tail -n 20 "$work/serve.log" >&2; exit 1; }
  sleep 0.05
done
end_ns="$(date +%s%N)"
((applied >= messages)) || { echo "e2e_bench: only $applied of $messages applied" >&2; exit 1; }

kill -TERM "$gw_pid"
wait "$gw_pid" || true
gw_pid=""
rows_after="$(count_rows)"
rows=$((rows_after - rows_before))
awk -v n="$messages" -v r="$rows" -v ns="$((end_ns - start_ns))" 'BEGIN {
  s = ns / 1e9
  printf "RESULT name=e2e messages=%d seconds=%.3f msgs_per_s=%.1f rows=%d rows_per_s=%.1f\n", n, s, n / s, r, r / s
}'
grep -o '"event":"pipeline.stats".*' "$work/serve.log" | tail -n 1 | sed 's/^/final: /'
parked="$(grep -c '"event":"pipeline.parked"' "$work/serve.log" || true)"
if ((parked > 0)); then
  echo "e2e_bench: $parked messages parked; first:" >&2
  grep -m1 '"event":"pipeline.parked"' "$work/serve.log" >&2
  exit 1
fi
