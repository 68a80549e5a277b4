# Thin wrapper: every target installs what it needs, configures and builds first.
# The two commands of the README: `make run` and `make test`.
PRESET_DEV := dev
PRESET_RELEASE := release
PRESET_FUZZ := fuzz
FUZZ_SECONDS ?= 30
CONFIG ?= deploy/medgw.yaml

.PHONY: deps node-deps build release run test fuzz fuzz-build bench-parse bench-mllp bench-e2e bench-fhir bench-dbpoll clean format

deps:
	./deploy/install-deps.sh

# npm peers for the interoperability tests and benchmarks (pinned by package-lock.json); installed
# again when the lock file is newer than what npm last installed.
node-deps:
	@for d in tests/integration tests/bench; do \
	  if [ -f $$d/package-lock.json ] && { [ ! -f $$d/node_modules/.package-lock.json ] || \
	       [ $$d/package-lock.json -nt $$d/node_modules/.package-lock.json ]; }; then \
	    (cd $$d && npm ci --silent --no-audit --no-fund); fi; \
	done

build: deps
	cmake --preset $(PRESET_DEV) >/dev/null
	cmake --build --preset $(PRESET_DEV)

release: deps
	cmake --preset $(PRESET_RELEASE) >/dev/null
	cmake --build --preset $(PRESET_RELEASE)

# The gateway on its embedded default: MLLP on 2575, RocksDB queue under ./var/ (Ctrl-C stops it).
run: release
	./build/release/gateway/medgw serve --config $(CONFIG)

fuzz-build: deps
	cmake --preset $(PRESET_FUZZ) >/dev/null
	cmake --build --preset $(PRESET_FUZZ)

# Runs the fuzz targets for FUZZ_SECONDS each (make fuzz FUZZ_SECONDS=3600).
fuzz: fuzz-build
	./tests/fuzz/run_fuzzers.sh build/fuzz $(FUZZ_SECONDS)

test: build fuzz-build node-deps
	ctest --preset $(PRESET_DEV) -j2
	FUZZ_SECONDS=$(or $(CI_FUZZ_SECONDS),20) ./tests/fuzz/run_fuzzers.sh build/fuzz $${FUZZ_SECONDS}

# Side by side with python-hl7, @medplum/hl7 and simple-hl7 (see README).
bench-parse: release
	./tests/bench/parse_bench.sh --medgw build/release/gateway/medgw

# MLLP throughput and ACK latency, medgw (durable) beside @medplum/hl7 and simple-hl7 (see README).
bench-mllp: release node-deps
	./tests/bench/mllp_bench.sh --medgw build/release/gateway/medgw

bench-e2e: release
	./tests/bench/e2e_bench.sh --medgw build/release/gateway/medgw

# FHIR API reads (wrk, keep-alive) over an MLLP-filled archive, and durable transaction ingest.
bench-fhir: release
	./tests/bench/fhir_bench.sh --medgw build/release/gateway/medgw

# Rows/s from a PostgreSQL table (a server the script starts) into the queue and the CRM store.
bench-dbpoll: release
	./tests/bench/dbpoll_bench.py --medgw build/release/gateway/medgw

format:
	find gateway mappings tests -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

clean:
	rm -rf build
