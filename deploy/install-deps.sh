#!/usr/bin/env bash
# Installs exactly the Debian 12 packages medgw's build, tests and benchmarks need, and the npm
# peers the interoperability tests and benchmarks drive. Idempotent: installs only what is missing
# and refreshes the apt lists only when something is missing.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config clang libclang-rt-14-dev libfuzzer-14-dev
  # libraries
  libboost1.81-dev libgtest-dev libgmock-dev libcli11-dev rapidjson-dev
  librocksdb-dev libyaml-cpp-dev libsqlite3-dev libssl-dev libxml2-dev
  # a third-party MLLP client and parser for tests and benchmarks
  python3-hl7
  # the SQLite shell: the end-to-end benchmark counts CRM rows with it; operators inspect the store
  sqlite3
  # the HTTP load generator of the FHIR benchmark (tests/bench/fhir_bench.sh)
  wrk
  # database polling (adapters/dbpoll): unixODBC and the ODBC drivers its tests use, and the
  # PostgreSQL server the end-to-end tests start in a temporary directory
  unixodbc-dev odbc-postgresql libsqliteodbc postgresql
  # Chinese names in the patient index (mappings/mpi): OpenCC and its data fold traditional to
  # simplified; the pinyin table is generated at build time from unicode-data's Unihan, by python3
  libopencc-dev libopencc-data unicode-data python3
)
# Node.js may come from Debian or be preinstalled with its own npm; only ask Debian when absent.
if ! command -v npm >/dev/null 2>&1; then packages+=(nodejs npm); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "install-deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all Debian packages present"
fi
