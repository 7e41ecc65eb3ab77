# bomvet: the two commands a newcomer needs are `make demo` and `make test`.
CARGO ?= cargo
CORPUS ?= ../shared/corpus
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test deps lint fmt bench corpus doc fuzz clean

## Audit the bundled example appliance SBOM with the embedded default policy.
## bomvet exits 1 because it finds a restricted component; that is the expected outcome here.
demo:
	@$(CARGO) build -q -p bomvet
	@./target/debug/bomvet scan fixtures/demo/secureedge-ngfw.cdx.json; \
	  status=$$?; if [ $$status -ne 1 ]; then echo "demo: expected exit 1 (restricted component found), got $$status" >&2; exit 1; fi

## Run every test (unit, integration, CLI snapshots, doc tests) and the lints.
test: deps
	$(CARGO) test --workspace --locked
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --locked

## Debian's chromium renders the HTML report in a test (tests/reports.rs).
deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium (the HTML report test renders the report)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

fmt:
	$(CARGO) fmt --all

doc:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps

## Benchmarks (release build): see README "Benchmarks".
bench:
	$(CARGO) build --release --locked -p bomvet
	$(CARGO) run --release --locked -p bomvet-bench -- $(BENCH_ARGS)

## Audit every SBOM of a corpus folder (default ../shared/corpus) and tabulate the outcomes.
corpus:
	$(CARGO) build -q --release -p bomvet
	@./scripts/corpus.sh $(CORPUS)

## Fuzz every reader and loader for FUZZ_SECONDS (default 60) each (needs cargo-fuzz).
fuzz:
	./scripts/fuzz.sh

clean:
	$(CARGO) clean
