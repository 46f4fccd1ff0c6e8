# Lifeboat: everything builds from go.mod, including the pinned restic,
# rest-server and versitygw (tool dependencies), so a fresh machine needs
# only Go.
GO      ?= go
BIN     := bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/lifeboat-dr/lifeboat/cli.Version=$(VERSION)

.PHONY: all build tools restic rest-server versitygw demo test test-deps tape lint fuzz bench soak clean

all: build

# What lifeboat runs with; versitygw is only for the tests (see test).
build: $(BIN)/restic $(BIN)/rest-server
	@echo "make: building $(BIN)/lifeboat (under a minute; seconds once the Go build cache is warm)"
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/lifeboat .

# restic lands next to lifeboat, where lifeboat looks for it first.
restic: $(BIN)/restic
$(BIN)/restic: go.mod go.sum
	@echo "make: building restic (the version go.mod pins) into $@: about 4 minutes the first time, seconds once the Go build cache is warm"
	$(GO) build -o $@ github.com/restic/restic/cmd/restic

rest-server: $(BIN)/rest-server
$(BIN)/rest-server: go.mod go.sum
	@echo "make: building rest-server (the version go.mod pins) into $@: about a minute the first time"
	$(GO) build -o $@ github.com/restic/rest-server/cmd/rest-server

# The S3 server of the object-storage tests (docs/object-storage.md). Its
# first build takes minutes; go's build cache makes later ones instant.
versitygw: $(BIN)/versitygw
$(BIN)/versitygw: go.mod go.sum
	@echo "make: building versitygw (the S3 server of the tests) into $@: about 3 minutes the first time"
	$(GO) build -o $@ github.com/versity/versitygw/cmd/versitygw

tools: $(BIN)/restic $(BIN)/rest-server $(BIN)/versitygw

# Opens lifeboat on the built-in demo (built on first use).
demo: build
	@echo "make: building the demo (two sites, three sets, a week of history: under a minute) and opening the console"
	$(BIN)/lifeboat demo

# tmux drives the real console in the tests; install it when missing.
# Under CI=true a tmux that cannot be installed fails the run: CI must not
# lose the console tests silently.
test-deps:
	@command -v tmux >/dev/null 2>&1 || { \
	  echo "installing tmux (the console tests drive lifeboat in it)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq tmux >/dev/null || \
	  if [ "$$CI" = true ]; then \
	    echo "error: CI=true and tmux could not be installed (apt-get install tmux); the console tests need it"; exit 1; \
	  else echo "warning: could not install tmux; the tmux tests will be skipped"; fi; }

# The whole suite: unit, engine (real restic, real rest-server), console
# (goldens, and the real binary in tmux), and the tape's syntax. The
# summariser prints the package lines and every failure as go test does,
# then the ten slowest tests (the suite must stay under 20 minutes), the
# counts and every skipped test with its reason; its exit code is go test's.
test: build $(BIN)/versitygw test-deps tape
	$(GO) vet ./...
	$(GO) run ./internal/testsummary -- $(GO) test -json -count=1 -timeout 20m ./...

# demo.tape must stay valid for vhs (internal/e2e replays its keys).
tape:
	GOFLAGS=-mod=mod $(GO) run github.com/charmbracelet/vhs@v0.10.0 validate demo.tape

fuzz:
	$(GO) test ./engine/config -run '^$$' -fuzz FuzzParse -fuzztime 60s

# Lifeboat against raw restic on the same data (issue #6, docs/performance.md):
# prints the table of measures and targets. Fixtures are built once into
# .cache/bench (about 4.7 GB with the 2 GiB one; 5-8 minutes the first time).
# Not part of `make test`.
bench: build test-deps
	$(GO) test ./internal/bench -run '^$$' -bench 'LifeboatVsRestic|LedgerCost' -benchtime 1x -count 1 -timeout 2h

# lifeboat watch over the catalog at scale for $(SOAK) (default 2h), its
# memory sampled every 30s; prints whether it stayed flat (issue #17).
SOAK ?= 2h
soak: build
	LIFEBOAT_BENCH_ONLY=scale LIFEBOAT_SOAK=$(SOAK) $(GO) test ./internal/bench -run '^$$' -bench WatchSoak -benchtime 1x -count 1 -timeout 0

lint:
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

clean:
	rm -rf $(BIN)
