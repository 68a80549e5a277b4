#!/usr/bin/env bash
# The FHIR R4 API under load: archive reads with wrk on keep-alive connections, and durable
# transaction ingest.
#
# Usage: tests/bench/fhir_bench.sh [--seconds S] [--connections C] [--patients P] [--reports N]
#                                  [--medgw BIN] [--work-dir DIR]
#
#   --seconds S       measured seconds per phase (default 10)
#   --connections C   wrk connections (default 32); one wrk thread
#   --patients P      patients in the archive before the reads (default 2000)
#   --reports N       ORU^R01 x 10 OBX loaded over MLLP before the reads (default 10000)
#   --medgw BIN       medgw binary (default: $MEDGW, else build/release/gateway/medgw)
#   --work-dir DIR    where the queue and the CRM store go (default: under /var/tmp; tmpfs refused)
#
# 1. `medgw serve` (MLLP, FHIR API with an API key, pipeline, SQLite store with synchronous=FULL)
#    is filled through MLLP with N lab reports over P patients, the way a LIS fills it, and the
#    run waits until every report is in the archive.
# 2. Reads: wrk (pinned to CPU 1, the gateway to CPU 0) rotates over the reads a CRM screen makes:
#    Patient/{n}, Observation?patient={n}&code=http://loinc.org|14647-2&_sort=-date (a trend),
#    Observation?patient={n}&_sort=-date&_count=20, DiagnosticReport?patient={n}&_include=
#    DiagnosticReport:result, Patient?identifier={mrn}. Every answer must be 200.
# 3. Ingest: wrk POSTs transaction Bundles (a new Patient and 4 Observations referencing it by
#    urn:uuid, 5 resources each), each answered 200 only once it is fsync'd in the queue and
#    applied to the archive (apply_wait_ms); 202 (durable, not yet applied) and errors are counted.
# Prints, per phase:
#   RESULT name=fhir-reads requests=R seconds=T requests_per_s=X p50_ms=A p99_ms=B errors=E
#   RESULT name=fhir-ingest requests=R seconds=T requests_per_s=X resources_per_s=Y p50_ms=A p99_ms=B accepted_202=K errors=E
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

usage() {
  sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}

seconds=10
conns=32
patients=2000
reports=10000
medgw="${MEDGW:-}"
work_parent=""
while (($#)); do
  case "$1" in
    --seconds) seconds="${2:?}"; shift 2 ;;
    --connections) conns="${2:?}"; shift 2 ;;
    --patients) patients="${2:?}"; shift 2 ;;
    --reports) reports="${2:?}"; shift 2 ;;
    --medgw) medgw="${2:?}"; shift 2 ;;
    --work-dir) work_parent="${2:?}"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "fhir_bench: unknown argument: $1" >&2; usage 2 >&2 ;;
  esac
done
for n in "$seconds" "$conns" "$patients" "$reports"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "fhir_bench: not a positive number: $n" >&2; exit 2; }
done
[[ -n "$medgw" ]] || medgw="$repo/build/release/gateway/medgw"
[[ -x "$medgw" ]] || { echo "fhir_bench: medgw not found: $medgw (make release, or --medgw)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "fhir_bench: wrk is needed (apt-get install wrk)" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "fhir_bench: sqlite3 is needed (apt-get install sqlite3)" >&2; exit 2; }

pin_server=() pin_load=()
if command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null && taskset -c 1 true 2>/dev/null; then
  pin_server=(taskset -c 0) pin_load=(taskset -c 1)
fi

[[ -n "$work_parent" ]] || work_parent=/var/tmp
mkdir -p "$work_parent"
work="$(mktemp -d "$work_parent/medgw_fhir_bench.XXXXXX")"
fstype="$(stat -f -c %T "$work")"
if [[ "$fstype" == tmpfs || "$fstype" == ramfs ]]; then
  echo "fhir_bench: $work_parent is on $fstype, where fsync is free; pass --work-dir on a real disk" >&2
  rm -rf "$work"
  exit 2
fi
gw_pid=""
cleanup() {
  [[ -n "$gw_pid" ]] && { kill -TERM "$gw_pid" 2>/dev/null || true; wait "$gw_pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT

token="bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
token_sha256="$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)"
crm="$work/crm.sqlite"
cat >"$work/medgw.yaml" <<YAML
log:
  level: info
stats_interval_s: 3600
queue:
  path: $work/queue
site: $repo/deploy/sites/cn-hospital.yaml
crm_store:
  path: $crm
pipeline:
  workers: 2
  batch_max: 512
listeners:
  - name: lis
    port: 0
    bind: 127.0.0.1
fhir:
  enabled: true
  bind: 127.0.0.1
  port: 0
  max_connections: 1024
  apply_wait_ms: 30000
  api_keys:
    - client: bench
      token_sha256: $token_sha256
      scopes: [system/*.*]
YAML

echo "work dir: $work ($fstype); queue and CRM store fsync'd; $(nproc) cores, gateway on CPU 0, wrk on CPU 1"
: >"$work/serve.log"
"${pin_server[@]}" "$medgw" serve --config "$work/medgw.yaml" >>"$work/serve.log" 2>&1 &
gw_pid=$!
mllp_port="" fhir_port=""
for ((i = 0; i < 300; i++)); do
  mllp_port="$(sed -n 's/.*"event":"mllp.listening".*"port":\([0-9]*\).*/\1/p' "$work/serve.log" | head -n 1)"
  fhir_port="$(sed -n 's/.*"event":"fhir.listening".*"port":\([0-9]*\).*/\1/p' "$work/serve.log" | head -n 1)"
  [[ -n "$mllp_port" && -n "$fhir_port" ]] && break
  kill -0 "$gw_pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$mllp_port" && -n "$fhir_port" ]] || { echo "fhir_bench: the gateway did not listen" >&2; tail -n 5 "$work/serve.log" >&2; exit 1; }

echo "loading $reports ORU^R01 x 10 OBX over $patients patients through MLLP ..."
"$medgw" load --to "127.0.0.1:$mllp_port" -c 32 -n "$reports" --patients "$patients" \
  --message "$here/oru_10obx.hl7" --label preload --timeout-ms 60000 | grep '^RESULT' || true
for ((i = 0; i < 36000; i++)); do
  applied="$(sqlite3 "$crm" "PRAGMA busy_timeout=5000; SELECT COUNT(*) FROM applied_envelopes" | tail -n 1)"
  ((applied >= reports)) && break
  kill -0 "$gw_pid" 2>/dev/null || { echo "fhir_bench: the gateway died" >&2; tail -n 20 "$work/serve.log" >&2; exit 1; }
  sleep 0.1
done
((applied >= reports)) || { echo "fhir_bench: only $applied of $reports applied" >&2; exit 1; }
golden="$(sqlite3 "$crm" "SELECT COUNT(*) FROM golden_patients")"
echo "archive: $golden golden patients, $(sqlite3 "$crm" "SELECT COUNT(*) FROM observations") observations"

base="http://127.0.0.1:$fhir_port/fhir"
status="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$base/Patient/1")"
[[ "$status" == 200 ]] || { echo "fhir_bench: Patient/1 answered $status" >&2; exit 1; }

# wrk's own summary is parsed for requests and seconds; the Lua done() prints the latency
# percentiles and the status counts the script checks.
cat >"$work/reads.lua" <<'LUA'
local token = os.getenv("BENCH_TOKEN")
local patients = tonumber(os.getenv("BENCH_PATIENTS"))
local mrns = tonumber(os.getenv("BENCH_MRNS"))
local headers = {["Authorization"] = "Bearer " .. token, ["Accept"] = "application/fhir+json"}
local threads = {}
setup = function(thread) table.insert(threads, thread) end
local n = 0
not_200 = 0  -- global: read back from the thread in done()
-- The load generator's patient numbers: 8 base-36 digits (medgw load, {PATIENT}).
local function base36(k)
  local digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
  local out = ""
  for _ = 1, 8 do
    local d = k % 36
    out = digits:sub(d + 1, d + 1) .. out
    k = math.floor(k / 36)
  end
  return out
end
request = function()
  n = n + 1
  local p = math.random(1, patients)
  local kind = n % 5
  local path
  if kind == 0 then
    path = "/fhir/Patient/" .. p
  elseif kind == 1 then
    path = "/fhir/Observation?patient=" .. p .. "&code=http://loinc.org|14647-2&_sort=-date"
  elseif kind == 2 then
    path = "/fhir/Observation?patient=" .. p .. "&_sort=-date&_count=20"
  elseif kind == 3 then
    path = "/fhir/DiagnosticReport?patient=" .. p .. "&_include=DiagnosticReport:result"
  else
    path = "/fhir/Patient?identifier=" .. base36(math.random(0, mrns - 1))
  end
  return wrk.format("GET", path, headers)
end
response = function(status, hdrs, body)
  if status ~= 200 then not_200 = not_200 + 1 end
end
done = function(summary, latency, requests)
  local other = 0
  for _, t in ipairs(threads) do other = other + t:get("not_200") end
  io.write(string.format("LATENCY p50_ms=%.3f p99_ms=%.3f\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
  io.write(string.format("OTHER count=%d\n", other))
  io.write(string.format("STATUS errors=%d\n", summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA

cat >"$work/ingest.lua" <<'LUA'
local token = os.getenv("BENCH_TOKEN")
local headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/fhir+json"}
local prefix = string.format("%08x", math.random(0, 0x7fffffff))
local threads = {}
setup = function(thread) table.insert(threads, thread) end
local n = 0
accepted = 0  -- global: read back from the thread in done()
not_2xx = 0
local template = [[{"resourceType":"Bundle","type":"transaction","entry":[
{"fullUrl":"urn:uuid:%s","resource":{"resourceType":"Patient","identifier":[{"system":"http://bench.example/mrn","value":"%s"}],"name":[{"family":"BENCH","given":["P%s"]}],"gender":"female","birthDate":"1980-05-17"},"request":{"method":"POST","url":"Patient"}},
%s]}]]
local obs = [[{"resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"%s"}]},"subject":{"reference":"urn:uuid:%s"},"effectiveDateTime":"2026-11-23T08:00:00+08:00","valueQuantity":{"value":%s,"unit":"mmol/L","system":"http://unitsofmeasure.org","code":"mmol/L"}},"request":{"method":"POST","url":"Observation"}}]]
local codes = {"14647-2", "14749-6", "2571-8", "14646-4"}
local function uuid(k)
  return string.format("%s-0000-4000-8000-%012x", prefix, k)
end
request = function()
  n = n + 1
  local id = uuid(n)
  local mrn = prefix .. "-" .. n
  local entries = {}
  for i, code in ipairs(codes) do entries[i] = string.format(obs, code, id, string.format("%d.%d", 3 + i, n % 10)) end
  local body = string.format(template, id, mrn, n, table.concat(entries, ",\n"))
  return wrk.format("POST", "/fhir", headers, body)
end
response = function(status, hdrs, body)
  if status == 202 then accepted = accepted + 1 end
  if status ~= 200 and status ~= 202 then not_2xx = not_2xx + 1 end
end
done = function(summary, latency, requests)
  local acc, other = 0, 0
  for _, t in ipairs(threads) do
    acc = acc + t:get("accepted")
    other = other + t:get("not_2xx")
  end
  io.write(string.format("LATENCY p50_ms=%.3f p99_ms=%.3f\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
  io.write(string.format("OTHER count=%d accepted=%d\n", other, acc))
  io.write(string.format("STATUS errors=%d\n", summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA

failed=0
run_wrk() {  # run_wrk NAME SCRIPT RESOURCES_PER_REQUEST
  local name="$1" script="$2" per="$3" out
  out="$(BENCH_TOKEN="$token" BENCH_PATIENTS="$golden" BENCH_MRNS="$patients" "${pin_load[@]}" wrk -t1 -c"$conns" -d"${seconds}s" \
           --timeout 30s -s "$script" "http://127.0.0.1:$fhir_port" 2>&1)" || { echo "$out" >&2; failed=1; return; }
  local requests secs p50 p99 errors rps other accepted
  other="$(sed -n 's/^OTHER count=\([0-9]*\).*/\1/p' <<<"$out")"
  accepted="$(sed -n 's/^OTHER .*accepted=\([0-9]*\).*/\1/p' <<<"$out")"
  requests="$(sed -n 's/^ *\([0-9]*\) requests in \([0-9.]*\)\(m\{0,1\}s\).*/\1/p' <<<"$out")"
  secs="$(sed -n 's/^ *[0-9]* requests in \([0-9.]*\)\(m\{0,1\}s\).*/\1 \2/p' <<<"$out" | awk '{ print ($2 == "ms") ? $1 / 1000 : $1 }')"
  p50="$(sed -n 's/^LATENCY p50_ms=\([0-9.]*\).*/\1/p' <<<"$out")"
  p99="$(sed -n 's/^LATENCY .*p99_ms=\([0-9.]*\).*/\1/p' <<<"$out")"
  errors="$(sed -n 's/^STATUS errors=\([0-9]*\).*/\1/p' <<<"$out")"
  if [[ -z "$requests" || -z "$secs" || -z "$p99" ]]; then echo "fhir_bench: cannot read wrk's output:" >&2; echo "$out" >&2; failed=1; return; fi
  rps="$(awk -v r="$requests" -v s="$secs" 'BEGIN { printf "%.1f", r / s }')"
  errors=$((errors + ${other:-0}))
  if [[ "$name" == fhir-reads ]]; then
    echo "RESULT name=$name requests=$requests seconds=$secs requests_per_s=$rps p50_ms=$p50 p99_ms=$p99 errors=$errors"
  else
    echo "RESULT name=$name requests=$requests seconds=$secs requests_per_s=$rps resources_per_s=$(awk -v r="$rps" -v k="$per" 'BEGIN { printf "%.1f", r * k }') p50_ms=$p50 p99_ms=$p99 accepted_202=${accepted:-0} errors=$errors"
  fi
  ((errors == 0)) || { echo "fhir_bench: $name: $errors requests failed or had an unexpected status" >&2; failed=1; }
}

echo "reads: $conns connections, ${seconds}s"
run_wrk fhir-reads "$work/reads.lua" 0
echo "ingest: transaction Bundles of 5 resources, $conns connections, ${seconds}s"
run_wrk fhir-ingest "$work/ingest.lua" 5

kill -TERM "$gw_pid"
wait "$gw_pid" || true
gw_pid=""
grep -o '"event":"pipeline.stats".*' "$work/serve.log" | tail -n 1 | sed 's/^/final: /'
exit "$failed"
