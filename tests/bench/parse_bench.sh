#!/usr/bin/env bash
# Side-by-side HL7 v2 parse benchmark: medgw vs python-hl7, @medplum/hl7 and simple-hl7.
#
# Usage: tests/bench/parse_bench.sh [--seconds S] [--medgw PATH_TO_MEDGW_BINARY] [--corpus-file FILE]
#
#   --seconds S         timed seconds per parser (default 3; each also gets a short untimed warm-up)
#   --medgw PATH        medgw binary (default: $MEDGW, else an executable named medgw under
#                       build/release); without one, only the peers run
#   --corpus-file FILE  use FILE instead of building a corpus with make_parse_corpus.py
#
# Every parser reads the same corpus file (segments end in \r, messages concatenated), parses
# every message repeatedly for ~S seconds, reads MSH-10 and PID-3 (first repetition, first
# component) on every parse, and prints
#   RESULT name=<name> msgs_per_s=<f> mb_per_s=<f> messages=<n> checksum=<n>
# medgw is run as: $MEDGW bench parse --seconds S FILE
# Each parser is pinned to CPU 1 with taskset when possible.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
py=/usr/bin/python3

usage() {
  sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}

seconds=3
medgw="${MEDGW:-}"
corpus=""
while (($#)); do
  case "$1" in
    --seconds) seconds="${2:?--seconds needs a value}"; shift 2 ;;
    --seconds=*) seconds="${1#*=}"; shift ;;
    --medgw) medgw="${2:?--medgw needs a value}"; shift 2 ;;
    --medgw=*) medgw="${1#*=}"; shift ;;
    --corpus-file) corpus="${2:?--corpus-file needs a value}"; shift 2 ;;
    --corpus-file=*) corpus="${1#*=}"; shift ;;
    -h|--help) usage 0 ;;
    *) echo "parse_bench: unknown argument: $1" >&2; usage 2 >&2 ;;
  esac
done
if ! [[ "$seconds" =~ ^[0-9]+([.][0-9]+)?$ ]] || awk -v s="$seconds" 'BEGIN { exit !(s <= 0) }'; then
  echo "parse_bench: --seconds must be a positive number" >&2; exit 2
fi

if [[ -z "$medgw" ]]; then
  medgw="$(find "$repo/build/release" -type f -name medgw -perm -u+x 2>/dev/null | head -n 1 || true)"
fi
if [[ -n "$medgw" && ! -x "$medgw" ]]; then
  echo "parse_bench: medgw binary not found or not executable: $medgw" >&2; exit 2
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/parse_bench.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# --- corpus -------------------------------------------------------------------------------------
if [[ -z "$corpus" ]]; then
  corpus="$tmp/corpus.hl7"
  "$py" "$here/make_parse_corpus.py" --out "$corpus"
else
  [[ -f "$corpus" ]] || { echo "parse_bench: no such corpus file: $corpus" >&2; exit 2; }
  "$py" - "$corpus" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
n = len([m for m in d.split(b"\rMSH") if m.strip()])
print("corpus: %s: %d messages, %d bytes, avg %.1f bytes/msg" % (sys.argv[1], n, len(d), len(d) / max(n, 1)))
EOF
fi
corpus_msgs="$("$py" -c 'import sys; print(len([m for m in open(sys.argv[1], "rb").read().split(b"\rMSH") if m.strip()]))' "$corpus")"

# --- npm peers ----------------------------------------------------------------------------------
if [[ ! -d "$here/node_modules/@medplum/core" || ! -d "$here/node_modules/@medplum/hl7" \
      || ! -d "$here/node_modules/simple-hl7" ]]; then
  echo "parse_bench: installing npm peers (npm ci) in tests/bench"
  (cd "$here" && npm ci --silent --no-audit --no-fund)
fi

# --- CPU pinning --------------------------------------------------------------------------------
pin=()
if command -v taskset >/dev/null 2>&1 && taskset -c 1 true 2>/dev/null; then
  pin=(taskset -c 1)
  echo "pinning: each parser runs alone on CPU 1 (taskset -c 1)"
else
  echo "pinning: taskset unavailable or CPU 1 not usable; running unpinned"
fi
echo "timing: ${seconds}s per parser"
echo

# --- run ----------------------------------------------------------------------------------------
names=() rates=() mbs=() msgs=() chks=()
failed=0

run() {  # run LABEL CMD...
  local label="$1"; shift
  local out line
  printf '  %-12s ... ' "$label"
  if ! out="$("${pin[@]}" "$@" 2>"$tmp/stderr")"; then
    echo "FAILED"; sed 's/^/    /' "$tmp/stderr" >&2; failed=1; return 0
  fi
  line="$(grep -m1 '^RESULT ' <<<"$out" || true)"
  if [[ -z "$line" ]]; then
    echo "FAILED (no RESULT line)"; sed 's/^/    /' <<<"$out" >&2; failed=1; return 0
  fi
  echo "$line"
  local name rate mb n chk
  name="$(sed -n 's/.* name=\([^ ]*\).*/\1/p' <<<"$line")"
  rate="$(sed -n 's/.* msgs_per_s=\([^ ]*\).*/\1/p' <<<"$line")"
  mb="$(sed -n 's/.* mb_per_s=\([^ ]*\).*/\1/p' <<<"$line")"
  n="$(sed -n 's/.* messages=\([^ ]*\).*/\1/p' <<<"$line")"
  chk="$(sed -n 's/.* checksum=\([^ ]*\).*/\1/p' <<<"$line")"
  names+=("${name:-$label}") rates+=("${rate:-0}") mbs+=("${mb:-0}") msgs+=("${n:-0}") chks+=("${chk:-0}")
}

echo "running:"
medgw_ran=0
if [[ -n "$medgw" ]]; then
  run medgw "$medgw" bench parse --seconds "$seconds" "$corpus"
  ((${#names[@]})) && medgw_ran=1
else
  echo "  medgw        ... skipped (no binary: pass --medgw PATH or set MEDGW, or build the release preset)"
fi
run python-hl7 "$py" "$here/peer_python_hl7.py" --seconds "$seconds" "$corpus"
run medplum-hl7 node "$here/peer_node.js" --peer medplum --seconds "$seconds" "$corpus"
run simple-hl7 node "$here/peer_node.js" --peer simple --seconds "$seconds" "$corpus"
echo

# --- report -------------------------------------------------------------------------------------
# chk/pass = checksum per pass over the corpus (checksum * corpus messages / messages parsed):
# the sum of len(MSH-10) + len(PID-3.1) over the corpus, i.e. what each parser extracted.
printf '%-14s %14s %10s %12s %10s\n' parser msgs/s MB/s messages chk/pass
printf '%-14s %14s %10s %12s %10s\n' -------------- -------------- ---------- ------------ ----------
for i in "${!names[@]}"; do
  awk -v name="${names[$i]}" -v r="${rates[$i]}" -v mb="${mbs[$i]}" -v n="${msgs[$i]}" \
      -v c="${chks[$i]}" -v cm="$corpus_msgs" 'BEGIN {
    per = (n > 0) ? c * cm / n : 0
    pp = (n > 0 && per == int(per)) ? sprintf("%d", per) : "-"
    printf "%-14s %14.1f %10.3f %12d %10s\n", name, r, mb, n, pp
  }'
done
echo

if ((medgw_ran)); then
  echo "medgw speed-up (msgs/s ratio):"
  for i in "${!names[@]}"; do
    ((i == 0)) && continue
    awk -v name="${names[$i]}" -v m="${rates[0]}" -v r="${rates[$i]}" \
      'BEGIN { if (r > 0) printf "  vs %-12s %10.1fx\n", name, m / r; else printf "  vs %-12s %10s\n", name, "n/a" }'
  done
  echo
fi

# Goals from the issue, for reference.
py_rate="" npm_best="" npm_best_name=""
for i in "${!names[@]}"; do
  case "${names[$i]}" in
    python-hl7) py_rate="${rates[$i]}" ;;
    medplum-hl7|simple-hl7)
      if [[ -z "$npm_best" ]] || awk -v a="${rates[$i]}" -v b="$npm_best" 'BEGIN { exit !(a > b) }'; then
        npm_best="${rates[$i]}" npm_best_name="${names[$i]}"
      fi ;;
  esac
done
goal() {  # goal TEXT FACTOR PEER_RATE
  if ((medgw_ran)) && [[ -n "$3" ]]; then
    awk -v t="$1" -v f="$2" -v m="${rates[0]}" -v r="$3" 'BEGIN {
      x = (r > 0) ? m / r : 0
      printf "  %-48s %8.1fx  %s\n", t, x, (x >= f) ? "MET" : "NOT MET" }'
  else
    printf '  %-48s %9s  %s\n' "$1" "-" "not measured"
  fi
}
echo "goals (from the issue):"
goal "medgw >= 300x python-hl7" 300 "$py_rate"
goal "medgw >= 25x fastest npm parser (${npm_best_name:-none})" 25 "$npm_best"

exit "$failed"
